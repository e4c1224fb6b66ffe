"""Triage at scale: the inspector queue over 1,000,000 generated complaints, SQLite and PostgreSQL.

Generates N complaints over 500 units with ``portal.services.volume`` (what ``flask --app portal
seed-volume`` runs), or reuses the database cached by an earlier run: a SQLite file under
bench/.cache/ and a PostgreSQL database ``zi_bench_triage_<N>`` (at ZI_BENCH_DATABASE_URL's
server, created here; skipped with a note when unreachable). ``--regenerate`` starts afresh.

Then, signed in as a generated inspector (who works in an inspectorate that has complaints of
its own, so recusal is in every query), it times full page renders of the real view
(``GET /inspektorat…``) in-process through the Flask test client, its start-up heap frozen as
gunicorn.conf.py freezes each web worker's: the default queue, common
filters, full-text search, deep keyset pages (the "next page" link followed 40 and 400 pages
deep, then that page fetched again and again) and the counters the page shows. Prints p50/p95
per scenario as Markdown, the generation figures, and the targets (queue p95 < 100 ms, search
p95 < 300 ms) met or missed; when one is missed, the plan of the slowest query is printed.

    .venv/bin/python bench/triage_scale.py [--quick] [--complaints 1000000] [--regenerate]
        [--repeat 30] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
sys.path.insert(0, str(ROOT))

from fixtures import pg_create, pg_state  # noqa: E402

from portal.serving import freeze_startup_heap  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://portal:portal@127.0.0.1:5432/portal_bench"
QUICK_COMPLAINTS = 30_000
TARGET_QUEUE_MS, TARGET_SEARCH_MS = 100.0, 300.0
INSPECTOR = "inspektur1@volume.zi-portal.test"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NEXT = re.compile(r'href="([^"]+setelah=[^"]+)"')


@dataclass
class Scenario:
    group: str  # "queue" | "search" | "pages" | "counts"
    name: str
    url: str
    note: str = ""


# --- databases -----------------------------------------------------------------------------


def pg_url_for(n: int) -> str:
    import sqlalchemy as sa

    base = sa.engine.make_url(os.environ.get("ZI_BENCH_DATABASE_URL") or PG_DEFAULT)
    return base.set(database=f"zi_bench_triage_{n}").render_as_string(hide_password=False)


def make_app(url: str):
    """The portal as a web worker runs it (call ``freeze_startup_heap`` before timing it)."""
    from portal import create_app

    return create_app(
        {
            "ZI_PROFILE": "development",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "DEMO_MODE": False,
            "UPLOAD_DIR": str(CACHE / "uploads"),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        }
    )


def generate(label: str, url: str, n: int, meta_path: Path) -> dict:
    """Migrate an empty database and fill it with ``n`` complaints; record the figures."""
    from flask_migrate import upgrade

    from models import db
    from portal.services.calendar import WorkCalendar
    from portal.services.volume import VolumeSpec, generate_volume

    app = make_app(url)
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        upgrade()
    step = max(n // 20, 1)
    shown = [0]

    def progress(done: int) -> None:
        if done - shown[0] >= step or done == n:
            shown[0] = done
            print(f"  {label}: {done:,}/{n:,} complaints", file=sys.stderr, flush=True)

    with app.app_context():
        calendar = WorkCalendar.from_config(app.config)
        result = generate_volume(
            db.session, VolumeSpec(complaints=n, seed=1), calendar, progress=progress
        )
        db.engine.dispose()
    meta = {
        "complaints": result.complaints,
        "messages": result.messages,
        "events": result.events,
        "units": result.units,
        "seconds": round(result.seconds, 1),
        "rate": round(result.rate),
        "phases": {k: round(v, 1) for k, v in result.phases.items()},
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    meta_path.write_text(json.dumps(meta, indent=1))
    return meta


def prepare(label: str, n: int, regenerate: bool) -> tuple[str | None, dict | None, str | None]:
    """Return (url, generation figures, note) for one backend, generating when needed."""
    CACHE.mkdir(exist_ok=True)
    if label == "SQLite":
        path = CACHE / f"triage-{n}.db"
        url = f"sqlite:///{path}"
        meta_path = CACHE / f"triage-{n}.sqlite.json"
        if regenerate or not (path.exists() and meta_path.exists()):
            for old in CACHE.glob(f"triage-{n}.db*"):
                old.unlink()
            return url, generate(label, url, n, meta_path) | {"cached": False}, None
        migrate(url)
        return url, json.loads(meta_path.read_text()) | {"cached": True}, None
    url = pg_url_for(n)
    meta_path = CACHE / f"triage-{n}.postgresql.json"
    state = pg_state(url)
    if state not in ("ready", "absent"):
        return None, None, state
    if regenerate or state == "absent" or not meta_path.exists():
        why = pg_create(url)
        if why:
            return None, None, why
        return url, generate(label, url, n, meta_path) | {"cached": False}, None
    migrate(url)
    return url, json.loads(meta_path.read_text()) | {"cached": True}, None


def migrate(url: str) -> None:
    """Bring a cached database to the current schema (new indexes apply to it too)."""
    from flask_migrate import upgrade

    app = make_app(url)
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        upgrade()
        from models import db

        db.engine.dispose()


# --- measuring -----------------------------------------------------------------------------


def pick_values(app) -> dict:
    """Realistic filter values from the data: the busiest unit, a category group, dates."""
    import sqlalchemy as sa

    from models import Complaint, Unit, User, db

    with app.app_context():
        me = db.session.scalar(sa.select(User).where(User.email == INSPECTOR))
        busiest = db.session.execute(
            sa.select(Unit.slug, sa.func.count(Complaint.id))
            .join(Complaint, Complaint.unit_id == Unit.id)
            .where(Unit.id != me.unit_id)
            .group_by(Unit.slug)
            .order_by(sa.func.count(Complaint.id).desc())
            .limit(1)
        ).first()
        newest = db.session.scalar(sa.select(sa.func.max(Complaint.created_at)))
    return {"unit": busiest[0], "unit_n": busiest[1], "newest": newest.date()}


def scenarios(values: dict) -> list[Scenario]:
    from datetime import timedelta

    newest = values["newest"]
    month = {"dari": (newest - timedelta(days=30)).isoformat(), "sampai": newest.isoformat()}

    def q(**args) -> str:
        return "/inspektorat" + (f"?{urlencode(args, doseq=True)}" if args else "")

    return [
        Scenario("queue", "default (newest first, all statuses)", q()),
        Scenario("queue", "status = tindak_lanjut", q(status="tindak_lanjut")),
        Scenario("queue", "saved view: unassigned (open)", q(tampilan="belum_ditugaskan")),
        Scenario("queue", "saved view: mine (open)", q(tampilan="saya")),
        Scenario("queue", "assignee = me, all statuses", q(petugas="saya")),
        Scenario("queue", "saved view: overdue", q(tampilan="terlambat")),
        Scenario("queue", "overdue, by deadline", q(terlambat="1", urut="tenggat")),
        Scenario(
            "queue", f"unit = busiest ({values['unit_n']:,} complaints)", q(unit=values["unit"])
        ),
        Scenario("queue", "category group = maladministrasi", q(kategori="maladministrasi")),
        Scenario("queue", "channel = telegram", q(kanal="telegram")),
        Scenario("queue", "last 30 days", q(**month)),
        Scenario("queue", "oldest first", q(urut="terlama")),
        Scenario("queue", "nearest deadline, all statuses", q(urut="tenggat")),
        Scenario(
            "queue",
            "unassigned (open), by priority",
            q(tampilan="belum_ditugaskan", urut="prioritas"),
        ),
        Scenario("queue", "mine (open), by priority", q(tampilan="saya", urut="prioritas")),
        Scenario("search", "common word: petugas", q(q="petugas")),
        Scenario("search", "rare word: bermeterai", q(q="bermeterai")),
        Scenario("search", "two words: pungutan liar", q(q="pungutan liar")),
        Scenario("search", "prefix: kuitan", q(q="kuitan")),
        Scenario("search", "common word + unit", q(q="petugas", unit=values["unit"])),
        Scenario("search", "two words + status selesai", q(q="pungutan liar", status="selesai")),
        Scenario("search", "no match: zzqx", q(q="zzqx")),
    ]


class Session:
    """A signed-in inspector's test client; ``get`` returns (ms, html)."""

    def __init__(self, app):
        self.client = app.test_client()
        html = self.client.get("/masuk").get_data(as_text=True)
        token = TOKEN.search(html).group(1)
        from portal.services.volume import VOLUME_PASSWORD

        response = self.client.post(
            "/masuk",
            data={"csrf_token": token, "email": INSPECTOR, "password": VOLUME_PASSWORD},
        )
        if response.status_code != 302:
            raise RuntimeError(f"login failed: {response.status_code}")

    def get(self, url: str) -> tuple[float, str]:
        started = time.perf_counter()
        response = self.client.get(url)
        html = response.get_data(as_text=True)
        ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        return ms, html


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"n": len(ordered), "p50": statistics.median(ordered), "p95": p95}


def rows_shown(html: str) -> str:
    total = re.search(r"<strong>([^<]*pengaduan[^<]*)</strong>", html)
    return total.group(1).strip() if total else "?"


def measure(
    app, repeat: int, label: str, deep: tuple[int, int] = (40, 400)
) -> list[tuple[Scenario, dict, str]]:
    """Time every scenario ``repeat`` times after one warm-up; return (scenario, figures, shown)."""
    values = pick_values(app)
    out = []
    with app.app_context():
        user = Session(app)
        for sc in scenarios(values):
            print(f"  {label}: {sc.name}", file=sys.stderr, flush=True)
            _, html = user.get(sc.url)  # warm-up (and the count the page shows)
            times = [user.get(sc.url)[0] for _ in range(repeat)]
            out.append((sc, summary(times), rows_shown(html)))
        for base, depths in (("/inspektorat", deep), ("/inspektorat?q=petugas", deep[:1])):
            url, page, found = base, 1, {}
            walk_started = time.perf_counter()
            while page < max(depths):
                _, html = user.get(url)
                nxt = NEXT.search(html)
                if not nxt:
                    break
                url, page = nxt.group(1).replace("&amp;", "&"), page + 1
                if page in depths:
                    found[page] = url
            walk = (time.perf_counter() - walk_started) / max(page - 1, 1) * 1000
            for depth, deep_url in found.items():
                print(f"  {label}: page {depth} of {base}", file=sys.stderr, flush=True)
                times = [user.get(deep_url)[0] for _ in range(repeat)]
                what = "search 'petugas'" if "q=" in base else "default queue"
                out.append(
                    (
                        Scenario("pages", f"{what}, page {depth} (keyset cursor)", deep_url),
                        summary(times),
                        f"walk: {walk:.0f} ms/page",
                    )
                )
        out.append(counters(app, repeat, values))
    return out


def counters(app, repeat: int, values: dict) -> tuple[Scenario, dict, str]:
    """Time the counters alone (the total and the per-status badges), service level."""
    import sqlalchemy as sa

    from models import User, db
    from portal.services import queue

    with app.app_context():
        me = db.session.scalar(sa.select(User).where(User.email == INSPECTOR))
        f = queue.QueueFilter()
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            result = queue.counts(db.session, f, me)
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        shown = ", ".join(f"{k}: {v}" for k, v in list(result.by_status.items())[:3])
    return (
        Scenario("counts", "counters (total + per status), no filter", ""),
        summary(times[1:]),
        f"{shown}…",
    )


def explain(app, url_args: str) -> str:
    """The plan of the queue's main query for one scenario, for the 'why' section."""
    import sqlalchemy as sa
    from werkzeug.datastructures import MultiDict

    from models import User, db
    from portal.services import queue

    with app.app_context():
        me = db.session.scalar(sa.select(User).where(User.email == INSPECTOR))
        args = MultiDict([tuple(kv.split("=", 1)) for kv in url_args.split("&") if "=" in kv])
        stmt = queue.page_statement(db.session, queue.QueueFilter.from_args(args), me)
        dialect = db.engine.dialect
        sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN ANALYZE "
        rows = db.session.execute(sa.text(prefix + sql)).all()
        return "\n".join(" | ".join(str(c) for c in row) for row in rows)


def explain_or_note(app, url_args: str) -> str:
    import sqlalchemy as sa

    try:
        return explain(app, url_args)
    except sa.exc.CompileError as exc:  # e.g. a REGCONFIG literal: say so, keep the report
        return f"(no plan: {exc})"


# --- report --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_COMPLAINTS:,} complaints, 5 repeats, pages 10 and 40",
    )
    parser.add_argument("--complaints", type=int, default=None, help="default 1,000,000")
    parser.add_argument("--regenerate", action="store_true", help="ignore the cached databases")
    parser.add_argument("--repeat", type=int, default=None, help="timed requests per scenario")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    n = args.complaints or (QUICK_COMPLAINTS if args.quick else 1_000_000)
    repeat = max(3, args.repeat or (5 if args.quick else 30))
    backends = [b for b in ("SQLite", "PostgreSQL") if args.only in (None, b.lower())]

    notes, results, generated = [], {}, {}
    for label in backends:
        url, meta, why = prepare(label, n, args.regenerate)
        if url is None:
            notes.append(f"{label} skipped: {why}.")
            continue
        generated[label] = meta
        app = make_app(url)
        freeze_startup_heap()  # as gunicorn.conf.py does in each web worker
        results[label] = measure(app, repeat, label, (10, 40) if args.quick else (40, 400))
        with app.app_context():
            from models import db

            db.engine.dispose()

    size = f"{n:,} complaints" + (" (--quick size)" if args.quick else "")
    print(
        f"{size} over 500 units, 3 years; in-process Flask test client (full render of the real"
        f" view), signed in as an inspector subject to recusal; {repeat} timed requests per row"
        " after one warm-up; ms.\n"
    )
    print("| database | complaints | messages | events | generation s | complaints/s | note |")
    print("|---|---|---|---|---|---|---|")
    for label, meta in generated.items():
        phases = ", ".join(f"{k} {v}" for k, v in meta["phases"].items())
        cached = f"cached, made {meta['generated']}" if meta.get("cached") else "generated now"
        print(
            f"| {label} | {meta['complaints']:,} | {meta['messages']:,} | {meta['events']:,} |"
            f" {meta['seconds']:.0f} | {meta['rate']:,} | {cached}; {phases} |"
        )
    print()
    labels = list(results)
    print(
        "| group | scenario | "
        + " | ".join(f"{lb} p50 | {lb} p95" for lb in labels)
        + " | n | shown |"
    )
    print("|---|---|" + "---|---|" * len(labels) + "---|---|")
    if labels:
        for i, (sc, _, shown) in enumerate(results[labels[0]]):
            cells = []
            for lb in labels:
                fig = results[lb][i][1] if i < len(results[lb]) else None
                cells += [f"{fig['p50']:.1f}", f"{fig['p95']:.1f}"] if fig else ["–", "–"]
            n_samples = results[labels[0]][i][1]["n"]
            print(
                f"| {sc.group} | {sc.name} | " + " | ".join(cells) + f" | {n_samples} | {shown} |"
            )
    print()
    print("| database | target | worst p95 | scenario | result |\n|---|---|---|---|---|")
    worst_missed = []
    for lb in labels:
        for what, target, belongs in (
            ("queue", TARGET_QUEUE_MS, lambda sc: sc.group == "queue"),
            ("deep pages", TARGET_QUEUE_MS, lambda sc: sc.group == "pages" and not _searched(sc)),
            ("search", TARGET_SEARCH_MS, lambda sc: sc.group == "search"),
            (
                "deep search pages",
                TARGET_SEARCH_MS,
                lambda sc: sc.group == "pages" and _searched(sc),
            ),
            ("counters", TARGET_QUEUE_MS, lambda sc: sc.group == "counts"),
        ):
            rows = [(fig["p95"], sc) for sc, fig, _ in results[lb] if belongs(sc)]
            if not rows:
                continue
            p95, sc = max(rows, key=lambda r: r[0])
            ok = p95 < target
            if not ok:
                worst_missed.append((lb, sc))
            print(
                f"| {lb} | {what} p95 < {target:.0f} ms | {p95:.1f} | {sc.name} |"
                f" {'met' if ok else 'MISSED'} |"
            )
    for note in notes:
        print(f"\n{note}")
    for lb, sc in worst_missed:
        if not sc.url or sc.group == "pages":
            continue
        url = pg_url_for(n) if lb == "PostgreSQL" else f"sqlite:///{CACHE / f'triage-{n}.db'}"
        app = make_app(url)
        print(f"\nWhy ({lb}, {sc.name}): where one request's time goes\n")
        print("```text\n" + where_time_goes(app, sc.url) + "\n```")
        print(f"\nPlan of the queue's main query ({lb}):\n")
        print("```text\n" + explain_or_note(app, sc.url.partition("?")[2]) + "\n```")


def _searched(sc: Scenario) -> bool:
    return sc.name.startswith("search")


def where_time_goes(app, url: str) -> str:
    """One request's wall time, its SQL statements by time, and what would cut the largest."""
    import sqlalchemy as sa

    from models import db

    timings: list[tuple[float, str]] = []

    def before(_conn, _cursor, _statement, _params, context, _many) -> None:
        context.zi_started = time.perf_counter()

    def after(_conn, _cursor, statement, _params, context, _many) -> None:
        timings.append(((time.perf_counter() - context.zi_started) * 1000, statement))

    client = Session(app)
    client.get(url)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        total, _ = client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    sql = sum(ms for ms, _ in timings)
    lines = [
        f"request {total:.1f} ms: SQL {sql:.1f} ms in {len(timings)} statements, the rest"
        f" (ORM, template) {total - sql:.1f} ms"
    ]
    for ms, statement in sorted(timings, reverse=True)[:3]:
        lines.append(f"{ms:7.1f} ms  {' '.join(statement.split())[:160]}")
    slowest = " ".join(max(timings)[1].split()) if timings else ""
    if sql < total - sql:
        lines.append(
            "fix: rendering and ORM loading dominate this request (a slow p95 beside it is"
            " an outlier: a pause of the collector or the machine); fewer or lighter objects"
            " per page (the unit and officer pick lists) would cut the rest"
        )
    elif "count(*)" in slowest:
        lines.append(
            "fix: the per-status counts under this filter leave their index; a covering"
            " index led by the filter's column (with status, unit_id), or counts kept in"
            " the rollup, would bound them"
        )
    else:
        lines.append(
            "fix: the main query sorts or filters outside an index; an index in this"
            " sort order (the plan below shows the TEMP B-TREE or the filter)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
