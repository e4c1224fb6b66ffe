"""Run every benchmark in bench/ and write their tables to bench/results.md, machine described.

A benchmark is a ``bench/*.py`` with a ``main()`` whose parser takes ``--quick``. Each runs in its
own process, one after the other (they share 2 cores), with a time limit; a failure is recorded
in the file and the others still run. ``make bench`` calls this; ``make bench BENCH_ARGS=--quick``
for the short run.

    .venv/bin/python bench/run_all.py [--quick] [--only web_intake ...] [--output bench/results.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PG_DEFAULT = "postgresql+psycopg://portal:portal@127.0.0.1:5432/portal_bench"


def benchmarks() -> list[Path]:
    """Scripts in bench/ with a main() that takes --quick (this runner excluded)."""
    found = []
    for path in sorted(BENCH.glob("*.py")):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^def main\(", text, re.M) and '"--quick"' in text:
            found.append(path)
    return found


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def postgres_version() -> str:
    url = os.environ.get("ZI_BENCH_DATABASE_URL") or PG_DEFAULT
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(
            sa.engine.make_url(url).set(database="postgres"), connect_args={"connect_timeout": 3}
        )
        with engine.connect() as connection:
            version = connection.execute(sa.text("SHOW server_version")).scalar()
        engine.dispose()
        return f"{version} (server)"
    except Exception as exc:  # noqa: BLE001 - any failure: describe it, do not stop
        return f"unreachable ({type(exc).__name__})"


def machine() -> list[str]:
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- CPU: {model.group(1).strip() if model else platform.processor() or 'unknown'}",
        f"- Cores usable: {cores} (of {os.cpu_count()})",
        f"- RAM: {int(mem.group(1)) / 1024**2:.1f} GiB" if mem else "- RAM: unknown",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        f"- SQLite: {sqlite3.sqlite_version}",
        f"- PostgreSQL: {postgres_version()}",
        # Figures from a machine busy with other work are slower; the load says how busy.
        "- Load average at the start (1, 5, 15 min): "
        + (", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to each benchmark")
    parser.add_argument("--only", nargs="*", default=None, help="script names, without .py")
    parser.add_argument("--output", type=Path, default=BENCH / "results.md")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per script")
    args = parser.parse_args()
    limit = args.timeout or (180.0 if args.quick else 3600.0)
    scripts = [p for p in benchmarks() if args.only is None or p.stem in args.only]
    sections = []
    for script in scripts:
        cmd = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
        print(f"== {script.name}", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            done = subprocess.run(
                cmd, cwd=ROOT, capture_output=True, text=True, timeout=limit, check=False
            )
            output, failed = done.stdout.strip(), done.returncode != 0
            if failed:
                tail = "\n".join(done.stderr.strip().splitlines()[-15:])
                output += f"\n\nFAILED (exit {done.returncode}):\n\n```text\n{tail}\n```"
        except subprocess.TimeoutExpired as exc:
            partial = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            output = f"{partial.strip()}\n\nFAILED: no result within {limit:.0f} s."
        took = time.monotonic() - started
        print(output, flush=True)
        sections.append(
            f"## {script.stem}\n\n`{' '.join(['python', f'bench/{script.name}', *cmd[2:]])}`"
            f" ({took:.0f} s)\n\n{output}\n"
        )
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            "Written by `bench/run_all.py`" + (" with `--quick`" if args.quick else "") + ".",
            "",
            "## Machine",
            "",
            *machine(),
            "",
            *sections,
        ]
    )
    args.output.write_text(text.rstrip() + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
