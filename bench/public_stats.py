"""Public statistics at a million complaints: page latency, and what keeping the counts costs.

Reads the databases bench/triage_scale.py generates and caches (a SQLite file under
bench/.cache/ and a PostgreSQL database; generated here when missing), then times, in-process
through the Flask test client (full render of the real views, charts included), the national
page for all years and for one year, a CSV file, and the busiest unit's page. The counts come
from ``complaint_rollup``, kept current in the transaction that changes a complaint
(portal/services/stats_rollup.py); the second table prices that upkeep on a fresh database:
filings with the session hooks attached, and with them removed.

    .venv/bin/python bench/public_stats.py [--quick] [--complaints N] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixtures import pg_create  # noqa: E402
from triage_scale import (  # noqa: E402
    QUICK_COMPLAINTS,
    make_app,
    pg_url_for,
    prepare,
)

from portal.serving import freeze_startup_heap  # noqa: E402

TARGET_MS = 200.0
PG_UPKEEP_DB = "zi_bench_stats_upkeep"


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)],
    }


def busiest_unit(app) -> tuple[str, int]:
    import sqlalchemy as sa

    from models import ComplaintRollup, Unit, db

    with app.app_context():
        row = db.session.execute(
            sa.select(Unit.slug, sa.func.sum(ComplaintRollup.count))
            .join(ComplaintRollup, ComplaintRollup.unit_id == Unit.id)
            .where(ComplaintRollup.dimension == "total")
            .group_by(Unit.slug)
            .order_by(sa.func.sum(ComplaintRollup.count).desc())
            .limit(1)
        ).first()
    return row[0], int(row[1])


def rollup_state(app) -> dict:
    """Rows in the rollup; rebuilt (and timed) when empty or stale, e.g. an older cache."""
    import sqlalchemy as sa

    from models import Complaint, ComplaintRollup, db
    from portal.services import stats_rollup

    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintRollup))
        rebuilt = None
        if not rows or stats_rollup.rollup_is_stale(db.session):
            started = time.perf_counter()
            rows = stats_rollup.rebuild_rollup(db.session)
            db.session.commit()
            rebuilt = time.perf_counter() - started
        complaints = db.session.scalar(sa.select(sa.func.count(Complaint.id)))
    return {"rows": rows, "rebuilt_s": rebuilt, "complaints": complaints}


def pages(app, repeat: int) -> list[tuple[str, dict]]:
    from models import ComplaintRollup, db

    with app.app_context():
        import sqlalchemy as sa

        newest = db.session.scalar(sa.select(sa.func.max(ComplaintRollup.month)))
    year = newest[:4]
    slug, unit_n = busiest_unit(app)
    urls = [
        ("/statistik (all years)", "/statistik"),
        (f"/statistik?tahun={year}", f"/statistik?tahun={year}"),
        (f"/statistik?tahun={int(year) - 1}", f"/statistik?tahun={int(year) - 1}"),
        ("/statistik/unit.csv (500 units)", "/statistik/unit.csv"),
        (f"unit page, busiest unit ({unit_n:,} complaints)", f"/unit/{slug}"),
        ("/statistik/bulan.csv?unit=… (busiest)", f"/statistik/bulan.csv?unit={slug}"),
    ]
    client = app.test_client()
    results = []
    for label, url in urls:
        response = client.get(url)  # warm-up
        assert response.status_code == 200, (url, response.status_code)
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        results.append((label, summary(samples)))
    return results


# --- upkeep: filings with and without the rollup hooks -----------------------------------------


def upkeep_app(label: str, work: Path):
    from portal import create_app

    if label == "SQLite":
        url = f"sqlite:///{work / 'upkeep.db'}"
    else:
        url = pg_url_for(0).replace("zi_bench_triage_0", PG_UPKEEP_DB)
        why = pg_create(url)
        if why:
            raise RuntimeError(why)
    return create_app(
        {
            "ZI_PROFILE": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(work / "uploads"),
            "RECEIPT_KEY_FILE": str(work / "key.pem"),
        }
    )


def upkeep(label: str, n: int) -> dict:
    """Mean ms per filing (submit + commit) with the rollup hooks, and with them removed."""
    import sqlalchemy as sa
    from flask_migrate import upgrade
    from sqlalchemy.orm import Session

    from models import db
    from models.enums import Channel, Eselon
    from portal.services import organisation, stats_rollup
    from portal.services.intake import ComplaintSubmission, IntakeSettings, submit_complaint
    from portal.services.reference_data import ensure_categories

    app = upkeep_app(label, Path(tempfile.mkdtemp(prefix="zi-bench-stats-")))
    statements = []
    with app.app_context():
        upgrade()
        ensure_categories(db.session)
        agency = organisation.create_agency(db.session, name="Kementerian Bench")
        unit = organisation.create_unit(db.session, agency, name="Direktorat A", eselon=Eselon.II)
        db.session.commit()
        settings = IntakeSettings.from_config(app.config)

        def file_many(count: int) -> float:
            started = time.perf_counter()
            for i in range(count):
                submit_complaint(
                    db.session,
                    ComplaintSubmission(
                        channel=Channel.WEB,
                        category="pungli",
                        title=f"Pungutan di loket {i}",
                        description="Petugas loket meminta uang Rp50.000 untuk mempercepat KTP.",
                        unit=unit.slug,
                    ),
                    settings,
                )
                db.session.commit()
            return (time.perf_counter() - started) * 1000 / count

        file_many(max(5, n // 10))  # warm-up
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        with_hooks = file_many(n)
        per_filing = len(statements) / n
        hooks = [
            ("before_flush", stats_rollup._stamp_first_times),
            ("after_flush", stats_rollup._collect),
            ("before_commit", stats_rollup._apply),
            ("after_transaction_end", stats_rollup._discard),
        ]
        for name, hook in hooks:
            sa.event.remove(Session, name, hook)
        statements.clear()
        try:
            without = file_many(n)
            per_filing_without = len(statements) / n
        finally:
            stats_rollup.install()
        db.engine.dispose()
    return {
        "with": with_hooks,
        "without": without,
        "statements": per_filing,
        "statements_without": per_filing_without,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_COMPLAINTS:,} complaints, 10 repeats"
    )
    parser.add_argument("--complaints", type=int, default=None, help="default 1,000,000")
    parser.add_argument("--regenerate", action="store_true", help="ignore the cached databases")
    parser.add_argument("--repeat", type=int, default=None, help="timed requests per page")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    n = args.complaints or (QUICK_COMPLAINTS if args.quick else 1_000_000)
    repeat = max(3, args.repeat or (10 if args.quick else 40))
    filings = 30 if args.quick else 200
    backends = [b for b in ("SQLite", "PostgreSQL") if args.only in (None, b.lower())]

    notes, results, states, costs = [], {}, {}, {}
    for label in backends:
        url, _meta, why = prepare(label, n, args.regenerate)
        if url is None:
            notes.append(f"{label} skipped: {why}.")
            continue
        app = make_app(url)
        freeze_startup_heap()  # as gunicorn.conf.py does in each web worker
        states[label] = rollup_state(app)
        results[label] = pages(app, repeat)
        with app.app_context():
            from models import db

            db.engine.dispose()
        try:
            costs[label] = upkeep(label, filings)
        except RuntimeError as exc:
            notes.append(f"{label} upkeep skipped: {exc}.")

    size = f"{n:,} complaints" + (" (--quick size)" if args.quick else "")
    print(
        f"{size} (bench/triage_scale.py's generated databases); in-process Flask test client,"
        f" full render; {repeat} timed requests per page after one warm-up; ms.\n"
    )
    print("| database | complaints | rollup rows | rebuilt now |\n|---|---|---|---|")
    for label, state in states.items():
        rebuilt = f"{state['rebuilt_s']:.1f} s" if state["rebuilt_s"] is not None else "no"
        print(f"| {label} | {state['complaints']:,} | {state['rows']:,} | {rebuilt} |")
    print()
    labels = list(results)
    print("| page | " + " | ".join(f"{lb} p50 | {lb} p95" for lb in labels) + " | n |")
    print("|---|" + "---|---|" * len(labels) + "---|")
    if labels:
        for i, (page, fig) in enumerate(results[labels[0]]):
            cells = []
            for lb in labels:
                other = results[lb][i][1]
                cells += [f"{other['p50']:.1f}", f"{other['p95']:.1f}"]
            print(f"| {page} | " + " | ".join(cells) + f" | {fig['n']} |")
    print()
    print(
        "Upkeep, on a fresh database: mean ms per filing (submit_complaint + commit, in-process)"
        f" over {filings} filings, and SQL statements per filing.\n"
    )
    print("| database | with rollup | without | statements with | without |\n|---|---|---|---|---|")
    for label, cost in costs.items():
        print(
            f"| {label} | {cost['with']:.2f} | {cost['without']:.2f} |"
            f" {cost['statements']:.1f} | {cost['statements_without']:.1f} |"
        )
    print()
    print("| database | target | worst p95 | page | result |\n|---|---|---|---|---|")
    for label in labels:
        page, fig = max(results[label], key=lambda r: r[1]["p95"])
        judged = "met" if fig["p95"] < TARGET_MS else "MISSED"
        if args.quick:
            judged += " (quick size; the target is at 1,000,000)"
        print(f"| {label} | p95 < {TARGET_MS:.0f} ms | {fig['p95']:.1f} ms | {page} | {judged} |")
    for note in notes:
        print(f"\n{note}")


if __name__ == "__main__":
    main()
