"""How long one web complaint takes inside the portal, form POST to committed row.

Measures the /lapor POST in-process (Flask test client, real SQLite file or PostgreSQL via
ZI_BENCH_DATABASE_URL), without and with a ~200 KB photo carrying EXIF/GPS. Prints p50/p95/
mean in milliseconds. The concurrent gunicorn benchmark belongs to bench/web_intake.py.

    .venv/bin/python bench/web_submit.py [--quick] [-n 100]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


from fixtures import photo  # noqa: E402

from models import db  # noqa: E402
from models.enums import Eselon  # noqa: E402
from portal import create_app  # noqa: E402
from portal.services import organisation  # noqa: E402
from portal.services.reference_data import ensure_categories  # noqa: E402

TOKEN = re.compile(r'name="(csrf_token|form_token)" type="hidden" value="([^"]+)"')


def run(n: int, attach: bytes | None, client) -> list[float]:
    timings = []
    for i in range(n):
        page = client.get("/lapor").get_data(as_text=True)
        data = dict(TOKEN.findall(page))
        data.update(
            unit="Direktorat Pendaftaran Penduduk",
            category="pungli",
            consent="y",
            title=f"Pungutan di loket {i}",
            privacy="rahasia",
            description="Petugas loket meminta uang Rp50.000 untuk mempercepat KTP.",
        )
        if attach is not None:
            data["evidence"] = [(io.BytesIO(attach), "foto.jpg")]
        started = time.perf_counter()
        response = client.post("/lapor", data=data, content_type="multipart/form-data")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.status_code
    return timings


def summary(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"| {label} | {len(timings)} | {statistics.median(ordered):.1f} | {p95:.1f} | "
        f"{statistics.fmean(ordered):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 submissions each")
    parser.add_argument("-n", type=int, default=100)
    args = parser.parse_args()
    n = 20 if args.quick else args.n
    work = Path(tempfile.mkdtemp(prefix="zi-bench-"))
    url = os.environ.get("ZI_BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.db'}"
    app = create_app(
        {
            "ZI_PROFILE": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(work / "uploads"),
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
            "RECEIPT_KEY_FILE": str(work / "key.pem"),
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        ensure_categories(db.session)
        agency = organisation.create_agency(db.session, name="Kementerian Bench")
        organisation.create_unit(
            db.session, agency, name="Direktorat Pendaftaran Penduduk", eselon=Eselon.II
        )
        db.session.commit()
    client = app.test_client()
    image = photo()
    print(f"database: {url.split(':')[0]}; photo: {len(image) // 1024} KB; n={n}")
    print("| submission | n | p50 ms | p95 ms | mean ms |")
    print("|---|---|---|---|---|")
    print(summary("text only", run(n, None, client)))
    print(summary("with a 200 KB photo (EXIF stripped)", run(n, image, client)))


if __name__ == "__main__":
    main()
