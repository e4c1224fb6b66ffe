"""Web intake throughput: concurrent clients filing /lapor through gunicorn, portal beside bare.

For each database (a fresh SQLite file in WAL mode; PostgreSQL at ZI_BENCH_DATABASE_URL, created
and dropped here, skipped with a note when unreachable) this starts the portal and
bench/bare_app.py (Flask-WTF form + one INSERT) under the same gunicorn settings (127.0.0.1,
2 workers each; the portal's gunicorn also reads the project's gunicorn.conf.py, as in
production) and drives them with N virtual clients (each keeps its cookies, GETs /lapor,
reads csrf_token and form_token, POSTs the filled form; a success is a 302 to /lapor/terkirim).
The two apps take turns in short slices (--rounds), so that load from other processes on a
shared machine falls on both alike; then the portal runs again with a ~200 KB photo attached.
Besides rate and latency, each row gives the CPU time per submission of the server processes,
of the database server (PostgreSQL) and of this load generator: those depend far less on the
machine's other load than the rate does.
Last, the portal alone is paced: the clients together start a fixed number of submissions a
second (default one per client per second), the load of a busy day rather than of a server
pushed to its limit, and its latency is the one the p95 target judges: a saturated server's
latency is set by its queue (Little's law), which the table prints beside it.
Prints a Markdown table, the portal/bare ratio and the targets (ratio >= 0.6; p95 < 150 ms at 50
clients, paced); when one is missed, a cProfile of in-process POSTs shows why.

    .venv/bin/python bench/web_intake.py [--quick] [--clients 50] [--duration 20]
        [--rounds 4] [--pace 50] [--worker-class gthread|sync] [--compare-workers]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import cProfile
import http.client
import io
import os
import pstats
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from fixtures import pg_create, pg_drop, pg_state, photo  # noqa: E402

VENV_BIN = Path(sys.executable).parent
PG_DEFAULT = "postgresql+psycopg://portal:portal@127.0.0.1:5432/portal_bench"
TOKEN = re.compile(r'<input[^>]*name="(csrf_token|form_token)"[^>]*value="([^"]*)"')
UNIT = "Direktorat Pendaftaran Penduduk"
TARGET_RATIO, TARGET_P95_MS, TARGET_CLIENTS = 0.6, 150.0, 50
PACED = "portal, paced"
SETUP_PORTAL = f"""
from models import db
from models.enums import Eselon
from portal import create_app
from portal.services import organisation
from portal.services.receipts import ReceiptSigner
app = create_app()
ReceiptSigner.from_config(app.config)
with app.app_context():
    agency = organisation.create_agency(db.session, name="Kementerian Bench")
    organisation.create_unit(db.session, agency, name={UNIT!r}, eselon=Eselon.II)
    db.session.commit()
"""

_servers: list[subprocess.Popen] = []


# --- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """Stop one server we started (its whole process group: gunicorn and its workers)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    if proc in _servers:
        _servers.remove(proc)


def stop_all() -> None:
    for proc in list(_servers):
        stop(proc)


@contextlib.contextmanager
def gunicorn(app: str, env: dict, worker_class: str, chdir: Path, log: Path):
    """Run ``app`` under gunicorn with 2 workers on a free loopback port.

    Yield the port and a function listing the server's processes (for CPU accounting).
    """
    port = free_port()
    cmd = [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(chdir)]
    cmd += ["-k", worker_class, "--backlog", "2048", "--timeout", "60"]
    if worker_class == "gthread":
        cmd += ["--threads", "4"]
    cmd.append(app)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=out, start_new_session=True, cwd=chdir
        )
    _servers.append(proc)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/lapor")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{app} did not start; see {log}:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield port, lambda: session_pids(proc.pid)
    finally:
        stop(proc)


# --- load generator ------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, content in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Client:
    """One visitor: a keep-alive connection (reopened when the server closes) and a cookie jar."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, ctype: str = ""):
        headers = {"Accept-Language": "id"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if ctype:
            headers["Content-Type"] = ctype
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.conn.close()
        return response, data

    def submit(self, n: int, attach: bytes | None) -> tuple[bool, float]:
        """File one complaint; return (success, POST latency in ms)."""
        _, page = self.request("GET", "/lapor")
        fields = dict(TOKEN.findall(page.decode()))
        fields.update(
            unit=UNIT,
            category="pungli",
            consent="y",
            title=f"Pungutan di loket {n}",
            privacy="rahasia",
            description="Petugas loket meminta uang Rp50.000 untuk mempercepat KTP.",
        )
        files = [("evidence", "foto.jpg", attach)] if attach is not None else []
        body, ctype = multipart(fields, files)
        started = time.perf_counter()
        response, _ = self.request("POST", "/lapor", body, ctype)
        elapsed = (time.perf_counter() - started) * 1000
        location = response.headers.get("Location", "")
        return response.status == 302 and location.endswith("/lapor/terkirim"), elapsed


def cpu_ms(pids: list[int]) -> float:
    """Return the CPU time (user + system, all threads) the processes ``pids`` used so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def session_pids(sid: int) -> list[int]:
    """Return the processes of session ``sid`` (a gunicorn master and its workers)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[3]) == sid:
                pids.append(int(stat.parent.name))
    return pids


def load(
    port: int,
    clients: int,
    warmup: float,
    duration: float,
    attach: bytes | None,
    server_pids=lambda: [],
    db_pids=lambda: [],
    pace: float | None = None,
) -> dict:
    """Run ``clients`` visitors for warm-up + duration; count only POSTs inside the window.

    Saturated (``pace`` None), each visitor files again the moment it is answered. Paced, the
    visitors together start ``pace`` submissions a second on a fixed schedule (each one every
    ``clients / pace`` seconds, staggered); a visitor answered late starts its next at once,
    and ``late`` counts those starts, so a server that cannot keep the pace shows it.
    Also measure, over the same window, the CPU time the server, the database and this load
    generator used per submission: on a shared machine those vary less than the rate does.
    """
    tally = Tally()
    late = [0]
    start = time.monotonic() + warmup
    end = start + duration
    counter = iter(range(10**9))
    cpu: dict[str, float] = {}

    def meter() -> None:
        time.sleep(max(0.0, start - time.monotonic()))
        servers, databases = server_pids(), db_pids()
        before = cpu_ms(servers), cpu_ms(databases), time.process_time()
        time.sleep(max(0.0, end - time.monotonic()))
        after = cpu_ms(servers), cpu_ms(databases), time.process_time()
        cpu.update(
            server=after[0] - before[0],
            db=after[1] - before[1],
            client=(after[2] - before[2]) * 1000,
        )

    def visitor(index: int) -> None:
        client = Client(port)
        period = clients / pace if pace else 0.0
        due = time.monotonic() + index / pace if pace else 0.0
        while time.monotonic() < end:
            if pace:
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
                elif now - due > period and start <= now <= end:
                    with tally.lock:
                        late[0] += 1
                due = max(due, now) + period
            began = time.monotonic()
            try:
                ok, ms = client.submit(next(counter), attach)
            except (http.client.HTTPException, OSError):
                ok, ms = False, None
            done = time.monotonic()
            if began < start or done > end:
                continue
            with tally.lock:
                if ok:
                    tally.latencies.append(ms)
                else:
                    tally.errors += 1
                    time.sleep(0.01)
        client.conn.close()

    threads = [threading.Thread(target=visitor, args=(i,), daemon=True) for i in range(clients)]
    threads.append(threading.Thread(target=meter, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(end - time.monotonic() + 60)
    return summary(
        [
            {
                "latencies": tally.latencies,
                "errors": tally.errors,
                "seconds": duration,
                "late": late[0],
                **cpu,
            }
        ]
    )


def summary(slices: list[dict]) -> dict:
    """Add up measured slices: rate over their total time, percentiles over all latencies."""
    ordered = sorted(ms for one in slices for ms in one["latencies"])
    seconds = sum(one["seconds"] for one in slices)
    per_sub = max(1, len(ordered))

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")

    def cpu(kind: str) -> float:
        return sum(one.get(kind, float("nan")) for one in slices) / per_sub

    return {
        "rate": len(ordered) / seconds,
        "n": len(ordered),
        "p50": statistics.median(ordered) if ordered else float("nan"),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": sum(one["errors"] for one in slices),
        "late": sum(one.get("late", 0) for one in slices),
        "server_ms": cpu("server"),
        "db_ms": cpu("db"),
        "client_ms": cpu("client"),
        "slices": slices,
    }


# --- databases -----------------------------------------------------------------------------


def pg_prepare(url: str) -> str | None:
    """Create a fresh bench database; return None when ready, else why PostgreSQL is skipped."""
    state = pg_state(url)
    if state not in ("ready", "absent"):
        return state
    return pg_create(url) or (
        None if pg_state(url) == "ready" else "the new database does not answer"
    )


def db_backends(url: str) -> list[int]:
    """Return the PostgreSQL server processes connected to the bench database now."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            query = sa.text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in connection.execute(query)]
    finally:
        engine.dispose()


def server_env(work: Path, url: str) -> dict:
    env = dict(os.environ)
    env.update(
        ZI_ENV="development",
        ZI_DATABASE_URL=url,
        ZI_SECRET_KEY=secrets.token_hex(32),
        ZI_UPLOAD_DIR=str(work / "uploads"),
        ZI_RECEIPT_KEY_FILE=str(work / "receipt-key.pem"),
        ZI_RATELIMIT_REPORT="1000000 per minute",
        ZI_DEMO_MODE="false",
        PYTHONPATH=str(ROOT),
    )
    return env


def init_portal(env: dict, work: Path) -> None:
    """Migrate, load the categories and one unit; make the receipt key before workers race."""
    flask = str(VENV_BIN / "flask")
    for cmd in ([flask, "--app", "portal", "init-db"], [sys.executable, "-c", SETUP_PORTAL]):
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)


# --- report --------------------------------------------------------------------------------


def row(db: str, app: str, clients: int, r: dict) -> str:
    late = str(r["late"]) if app == PACED else "—"
    return (
        f"| {db} | {app} | {clients} | {r['rate']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
        f"{r['p99']:.1f} | {r['errors']} | {late} | {r['server_ms']:.1f} | {r['db_ms']:.1f} | "
        f"{r['client_ms']:.1f} |"
    )


def profile(iterations: int, work: Path) -> str:
    """cProfile of in-process /lapor POSTs (Flask test client, SQLite file), top 15 cumulative."""
    from models import db
    from models.enums import Eselon
    from portal import create_app
    from portal.services import organisation
    from portal.services.reference_data import ensure_categories

    app = create_app(
        {
            "ZI_PROFILE": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'profile.db'}",
            "UPLOAD_DIR": str(work / "profile-uploads"),
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
            "RECEIPT_KEY_FILE": str(work / "profile-key.pem"),
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        ensure_categories(db.session)
        agency = organisation.create_agency(db.session, name="Kementerian Bench")
        organisation.create_unit(db.session, agency, name=UNIT, eselon=Eselon.II)
        db.session.commit()
    client = app.test_client()
    profiler = cProfile.Profile(time.thread_time)  # CPU time: other processes do not count
    spent: dict[str, float] = {}
    whole = 0.0

    def file_one(i: int, measure) -> None:
        page = client.get("/lapor").get_data(as_text=True)
        data = dict(TOKEN.findall(page))
        data.update(
            unit=UNIT,
            category="pungli",
            consent="y",
            title=f"Pungutan di loket {i}",
            privacy="rahasia",
            description="Petugas loket meminta uang Rp50.000 untuk mempercepat KTP.",
        )
        with measure:
            response = client.post("/lapor", data=data, content_type="multipart/form-data")
        assert response.status_code == 302, response.status_code

    class Profiled:  # the cProfile pass
        def __enter__(self):
            profiler.enable()

        def __exit__(self, *_):
            profiler.disable()

    class Timed:  # the breakdown pass, without the profiler's overhead
        def __enter__(self):
            self.started = time.thread_time()

        def __exit__(self, *_):
            nonlocal whole
            whole += time.thread_time() - self.started

    for i in range(iterations):
        file_one(i, Profiled())
    with timed_parts(spent):
        for i in range(iterations):
            file_one(iterations + i, Timed())
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(15)
    lines = out.getvalue().splitlines()
    first = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    text = "\n".join(lines[first:]).strip()
    return breakdown(spent, whole, iterations) + "\n\n```text\n" + text + "\n```"


# Where a filing's CPU goes: (label, module, attribute) of the callables timed around each part.
PARTS = (
    (
        "reading the multipart body (the bare app does it too)",
        "werkzeug.formparser",
        "FormDataParser.parse",
    ),
    (
        "the form: fields, CSRF token, validators (with the reading)",
        "portal.public.forms",
        "ReportForm.__init__",
    ),
    ("intake: all submit_complaint does", "portal.public.report", "submit_complaint"),
    (
        "  its one read (earlier filing, code, unit, category)",
        "portal.services.intake",
        "_read_known",
    ),
    (
        "  its ORM flush of the complaint, message and event",
        "sqlalchemy.orm.session",
        "Session._flush",
    ),
    ("the commit (statistics rollup upsert, COMMIT)", "sqlalchemy.orm.session", "Session.commit"),
    ("the signed receipt", "portal.public.report", "issue_receipt"),
)


@contextlib.contextmanager
def timed_parts(spent: dict[str, float]):
    """Add the CPU time (this thread) of each part in ``PARTS`` to ``spent`` while inside."""
    import importlib

    undo = []
    for label, module_name, path in PARTS:
        owner = importlib.import_module(module_name)
        *outer, name = path.split(".")
        for part in outer:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        def timed(*args, _original=original, _label=label, **kwargs):
            started = time.thread_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.thread_time() - started

        setattr(owner, name, timed)
        undo.append((owner, name, original))
    try:
        yield
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def breakdown(spent: dict[str, float], whole: float, iterations: int) -> str:
    """Return the POST's parts in ms and shares of its CPU, and what would cut the rest."""
    rows = ["| part of one web filing (in-process, SQLite) | CPU ms | share |", "|---|---|---|"]
    rows.append(f"| the whole POST | {whole / iterations * 1000:.2f} | 100% |")
    for label, *_ in PARTS:
        ms = spent.get(label, 0.0) / iterations * 1000
        rows.append(f"| {label} | {ms:.2f} | {spent.get(label, 0.0) / whole:.0%} |")
    orm = sum(spent.get(PARTS[i][0], 0.0) for i in (3, 4)) / whole
    rows.append(
        "\nThe bare app's whole POST is the multipart reading, a smaller form and one Core INSERT."
        f" The portal's own weight is intake: its read and its ORM flush alone are {orm:.0%} of"
        " a filing (the unit of work sorting and tracking three new objects to write three"
        " rows). What would cut it: write the filing's rows with Core INSERT … RETURNING in the"
        " same transaction, adding the statistics rollup's contribution explicitly (its session"
        " hooks see only ORM flushes), and read the unit and category as plain rows; what is left"
        " then is the framework's share of every request (rate limiter, session, translations)."
    )
    return "\n".join(rows)


def bench_database(label, url, work, args, image, results):
    env = server_env(work, url)
    init_portal(env, work)
    from bare_app import init_db

    init_db(url)
    warm, dur, n = args.warmup, args.duration, args.clients
    backends = (lambda: db_backends(url)) if url.startswith("postgresql") else (lambda: [])
    log = work / "gunicorn.log"
    # Both servers run side by side (an idle one costs nothing) and take turns under load, in
    # short slices: on a shared machine, load from elsewhere then falls on both alike.
    with (
        gunicorn("portal:create_app()", env, args.worker_class, ROOT, log) as (portal, portal_pids),
        gunicorn("bare_app:app", env, args.worker_class, BENCH, log) as (bare, bare_pids),
    ):
        slices: dict[str, list[dict]] = {"portal": [], "bare": []}
        for turn in range(args.rounds):
            for app, port, pids in (("portal", portal, portal_pids), ("bare", bare, bare_pids)):
                print(f"  {label}: {app} {turn + 1}/{args.rounds}…", file=sys.stderr, flush=True)
                ramp = warm if turn == 0 else min(warm, 0.5)
                run = load(port, n, ramp, dur / args.rounds, None, pids, backends)
                slices[app] += run["slices"]
        results.append((label, "portal", summary(slices["portal"])))
        print(f"  {label}: portal + photo…", file=sys.stderr, flush=True)
        photo_run = load(portal, n, warm / 2, dur, image, portal_pids, backends)
        results.append((label, "portal + 200 KB photo", photo_run))
        results.append((label, "bare", summary(slices["bare"])))
        print(f"  {label}: portal paced at {args.pace:g}/s…", file=sys.stderr, flush=True)
        paced = load(portal, n, warm, dur, None, portal_pids, backends, pace=args.pace)
        results.append((label, PACED, paced))


def compare_workers(args, work: Path) -> None:
    """Try sync and gthread on SQLite, portal only, and print both."""
    print("| worker class | submissions/s | p95 ms |\n|---|---|---|")
    for kind in ("sync", "gthread"):
        sub = work / kind
        sub.mkdir()
        env = server_env(sub, f"sqlite:///{sub / 'portal.db'}")
        init_portal(env, sub)
        with gunicorn("portal:create_app()", env, kind, ROOT, sub / "gunicorn.log") as (port, _):
            r = load(port, args.clients, args.warmup, args.duration, None)
        print(f"| {kind} | {r['rate']:.1f} | {r['p95']:.1f} |")


def _interrupted(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 clients, 5 s: under a minute")
    parser.add_argument("--clients", type=int, default=None, help="default 50 (--quick 20)")
    parser.add_argument("--duration", type=float, default=None, help="seconds, default 20")
    parser.add_argument("--warmup", type=float, default=None, help="seconds, default 3")
    parser.add_argument(
        "--rounds", type=int, default=None, help="turns portal/bare take (default 4, --quick 2)"
    )
    parser.add_argument(
        "--worker-class",
        default="gthread",
        choices=("gthread", "sync"),
        help="gthread (4 threads) by default: it matched or beat sync (see --compare-workers)",
    )
    parser.add_argument("--compare-workers", action="store_true", help="sync vs gthread only")
    parser.add_argument("--profile-iterations", type=int, default=None, help="200 (--quick 50)")
    parser.add_argument(
        "--pace",
        type=float,
        default=None,
        help="submissions/s of the paced run, all clients together (default: one per client/s)",
    )
    args = parser.parse_args()
    args.clients = max(1, min(args.clients or (20 if args.quick else 50), 500))
    args.duration = max(1.0, min(args.duration or (5.0 if args.quick else 20.0), 600.0))
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 3.0)
    args.rounds = max(1, min(args.rounds or (2 if args.quick else 4), 20))
    args.profile_iterations = args.profile_iterations or (50 if args.quick else 200)
    args.pace = max(1.0, min(args.pace or float(args.clients), 1000.0))
    signal.signal(signal.SIGTERM, _interrupted)

    work = Path(tempfile.mkdtemp(prefix="zi-bench-web-"))
    atexit.register(shutil.rmtree, work, True)
    pg_url = os.environ.get("ZI_BENCH_DATABASE_URL") or PG_DEFAULT
    notes, results = [], []
    pg_ready = False
    try:
        if args.compare_workers:
            compare_workers(args, work)
            return
        image = photo()
        sqlite_dir = work / "sqlite"
        sqlite_dir.mkdir()
        bench_database(
            "SQLite (WAL)",
            f"sqlite:///{sqlite_dir / 'bench.db'}",
            sqlite_dir,
            args,
            image,
            results,
        )
        why_not = pg_prepare(pg_url)
        if why_not:
            notes.append(f"PostgreSQL rows skipped: {why_not}.")
        else:
            pg_ready = True
            pg_dir = work / "pg"
            pg_dir.mkdir()
            bench_database("PostgreSQL", pg_url, pg_dir, args, image, results)
    finally:
        stop_all()
        if pg_ready:
            pg_drop(pg_url)

    threads = ", 4 threads" if args.worker_class == "gthread" else ""
    print(
        f"gunicorn: 2 workers ({args.worker_class}{threads})"
        f" on 127.0.0.1; {args.clients} clients for {args.duration:.0f} s after"
        f" {args.warmup:.0f} s warm-up; photo {len(image) // 1024} KB; latency is the POST's."
        " Saturated rows: each client files again the moment it is answered (the throughput"
        f" the ratio compares). Paced row: the clients together start {args.pace:g} submissions"
        f" a second ({args.pace * 3600:,.0f} an hour), each client one every"
        f" {args.clients / args.pace:g} s; 'late' counts starts behind that schedule.\n"
    )
    print(
        "| database | app | clients | submissions/s | p50 ms | p95 ms | p99 ms | errors | late"
        " | server CPU ms/sub | database CPU ms/sub | load generator CPU ms/sub |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for db, app, r in results:
        print(row(db, app, args.clients, r))
    print()
    missed = False
    print("| database | target | figure | result |\n|---|---|---|---|")
    for db in dict.fromkeys(db for db, _, _ in results):
        got = {app: r for d, app, r in results if d == db}
        ratio = got["portal"]["rate"] / got["bare"]["rate"] if got["bare"]["rate"] else 0.0
        ok = ratio >= TARGET_RATIO
        missed |= not ok
        print(
            f"| {db} | portal/bare ≥ {TARGET_RATIO} | {ratio:.2f} | {'met' if ok else 'MISSED'} |"
        )
        paced = got[PACED]
        if args.clients != TARGET_CLIENTS:
            verdict = f"not judged ({args.clients} clients, target is at {TARGET_CLIENTS})"
        elif paced["late"] or paced["errors"]:
            verdict = "MISSED: the portal could not keep the pace"
            missed = True
        else:
            ok = paced["p95"] < TARGET_P95_MS
            missed |= not ok
            verdict = "met" if ok else "MISSED"
        print(
            f"| {db} | portal p95 < {TARGET_P95_MS:.0f} ms, {args.clients} clients paced at"
            f" {args.pace:g}/s | {paced['p95']:.1f} ms | {verdict} |"
        )
        saturated = got["portal"]
        floor = args.clients / saturated["rate"] * 1000 if saturated["rate"] else float("nan")
        bare_p95 = got["bare"]["p95"]
        print(
            f"| {db} | portal p95, {args.clients} clients saturating the server | "
            f"{saturated['p95']:.1f} ms | reported: no server can answer {args.clients} clients"
            f" that never pause faster on average than clients ÷ throughput = {floor:.0f} ms"
            f" (Little's law); the bare app's p95 here is {bare_p95:.1f} ms |"
        )
    for note in notes:
        print(f"\n{note}")
    if missed:
        print(
            f"\nWhy ({args.profile_iterations} in-process portal POSTs, SQLite: their parts timed,"
            " then a cProfile of them):\n"
        )
        with contextlib.redirect_stderr(io.StringIO()):
            print(profile(args.profile_iterations, work))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        stop_all()
        sys.exit(130)
