"""Web intake throughput: concurrent clients filing /lapor through gunicorn, portal beside bare.

For each database (a fresh SQLite file in WAL mode; PostgreSQL at ZI_BENCH_DATABASE_URL, created
and dropped here, skipped with a note when unreachable) this starts the portal under gunicorn on
127.0.0.1 with 2 workers, drives it with N virtual clients for a fixed time (each client keeps
its cookies, GETs /lapor, reads csrf_token and form_token, POSTs the filled form; a success is a
302 to /lapor/terkirim), then does the same against bench/bare_app.py (Flask-WTF form + one
INSERT) under the same gunicorn settings, then the portal again with a ~200 KB photo attached.
Prints a Markdown table, the portal/bare ratio and the targets (ratio >= 0.6; p95 < 150 ms at 50
clients); when one is missed, a cProfile of in-process POSTs shows why.

    .venv/bin/python bench/web_intake.py [--quick] [--clients 50] [--duration 20]
        [--worker-class gthread|sync] [--compare-workers]
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

from fixtures import photo  # noqa: E402

VENV_BIN = Path(sys.executable).parent
PG_DEFAULT = "postgresql+psycopg://portal:portal@127.0.0.1:5432/portal_bench"
TOKEN = re.compile(r'<input[^>]*name="(csrf_token|form_token)"[^>]*value="([^"]*)"')
UNIT = "Direktorat Pendaftaran Penduduk"
TARGET_RATIO, TARGET_P95_MS, TARGET_CLIENTS = 0.6, 150.0, 50
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
    """Run ``app`` under gunicorn with 2 workers on a free loopback port; yield the port."""
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
        yield port
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


def load(port: int, clients: int, warmup: float, duration: float, attach: bytes | None) -> dict:
    """Run ``clients`` visitors for warm-up + duration; count only POSTs inside the window."""
    tally = Tally()
    start = time.monotonic() + warmup
    end = start + duration
    counter = iter(range(10**9))

    def visitor() -> None:
        client = Client(port)
        while time.monotonic() < end:
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

    threads = [threading.Thread(target=visitor, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(end - time.monotonic() + 60)
    ordered = sorted(tally.latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")

    return {
        "rate": len(ordered) / duration,
        "n": len(ordered),
        "p50": statistics.median(ordered) if ordered else float("nan"),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": tally.errors,
    }


# --- databases -----------------------------------------------------------------------------


def _psql(sql: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
        timeout=60,
    )


def pg_prepare(url: str) -> str | None:
    """Create a fresh bench database; return None when ready, else why PostgreSQL is skipped."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 3):
            pass
    except OSError as exc:
        return f"PostgreSQL unreachable at {parsed.host}:{parsed.port} ({exc})"
    if os.geteuid() == 0 and shutil.which("runuser"):
        try:
            _psql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            _psql(f'CREATE DATABASE "{parsed.database}" OWNER "{parsed.username}"')
        except (subprocess.SubprocessError, OSError) as exc:
            return f"could not create {parsed.database}: {getattr(exc, 'stderr', exc)!r}"
    try:
        engine = sa.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        return f"PostgreSQL unreachable ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    return None


def pg_drop(url: str) -> None:
    import sqlalchemy as sa

    if os.geteuid() == 0 and shutil.which("runuser"):
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            _psql(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')


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
    return (
        f"| {db} | {app} | {clients} | {r['rate']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
        f"{r['p99']:.1f} | {r['errors']} |"
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
    profiler = cProfile.Profile()
    for i in range(iterations):
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
        profiler.enable()
        response = client.post("/lapor", data=data, content_type="multipart/form-data")
        profiler.disable()
        assert response.status_code == 302, response.status_code
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(15)
    lines = out.getvalue().splitlines()
    first = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(lines[first:]).strip()


def bench_database(label, url, work, args, image, results):
    env = server_env(work, url)
    init_portal(env, work)
    from bare_app import init_db

    init_db(url)
    warm, dur, n = args.warmup, args.duration, args.clients
    with gunicorn("portal:create_app()", env, args.worker_class, ROOT, work / "gunicorn.log") as p:
        print(f"  {label}: portal…", file=sys.stderr, flush=True)
        results.append((label, "portal", load(p, n, warm, dur, None)))
        print(f"  {label}: portal + photo…", file=sys.stderr, flush=True)
        results.append((label, "portal + 200 KB photo", load(p, n, warm / 2, dur, image)))
    with gunicorn("bare_app:app", env, args.worker_class, BENCH, work / "gunicorn.log") as p:
        print(f"  {label}: bare…", file=sys.stderr, flush=True)
        results.append((label, "bare", load(p, n, warm, dur, None)))


def compare_workers(args, work: Path) -> None:
    """Try sync and gthread on SQLite, portal only, and print both."""
    print("| worker class | submissions/s | p95 ms |\n|---|---|---|")
    for kind in ("sync", "gthread"):
        sub = work / kind
        sub.mkdir()
        env = server_env(sub, f"sqlite:///{sub / 'portal.db'}")
        init_portal(env, sub)
        with gunicorn("portal:create_app()", env, kind, ROOT, sub / "gunicorn.log") as port:
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
        "--worker-class",
        default="gthread",
        choices=("gthread", "sync"),
        help="gthread (4 threads) by default: it matched or beat sync (see --compare-workers)",
    )
    parser.add_argument("--compare-workers", action="store_true", help="sync vs gthread only")
    parser.add_argument("--profile-iterations", type=int, default=None, help="200 (--quick 50)")
    args = parser.parse_args()
    args.clients = max(1, min(args.clients or (20 if args.quick else 50), 500))
    args.duration = max(1.0, min(args.duration or (5.0 if args.quick else 20.0), 600.0))
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 3.0)
    args.profile_iterations = args.profile_iterations or (50 if args.quick else 200)
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
        f" {args.warmup:.0f} s warm-up; photo {len(image) // 1024} KB; latency is the POST's.\n"
    )
    print("| database | app | clients | submissions/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
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
        p95 = got["portal"]["p95"]
        if args.clients == TARGET_CLIENTS:
            ok = p95 < TARGET_P95_MS
            missed |= not ok
            verdict = "met" if ok else "MISSED"
        else:
            verdict = f"not judged ({args.clients} clients, target is at {TARGET_CLIENTS})"
        print(f"| {db} | portal p95 < {TARGET_P95_MS:.0f} ms | {p95:.1f} ms | {verdict} |")
    for note in notes:
        print(f"\n{note}")
    if missed:
        print(f"\nWhy (cProfile of {args.profile_iterations} in-process portal POSTs, SQLite):\n")
        with contextlib.redirect_stderr(io.StringIO()):
            text = profile(args.profile_iterations, work)
        print("```text\n" + text + "\n```")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        stop_all()
        sys.exit(130)
