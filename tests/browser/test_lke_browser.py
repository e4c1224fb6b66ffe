"""The LKE worksheet in Chromium: a TPI fills it in, the figures and the predicate follow every
change without a page reload, a typo is flagged beside its field, and the assessment is saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from models import Assessment
from models.enums import AssessmentKind, Role
from models.rulebook import load_rulebook
from portal.services.demo import GOOD, lke_inputs
from portal.services.scoring import score
from tests.factories import gen_agency, gen_candidate, gen_user

RULEBOOK = "permenpanrb-90-2021"
DESKTOP = {"width": 1366, "height": 900}


def shown(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


@pytest.fixture
def candidate(session):
    agency = gen_agency(session, name="Kementerian Dalam Negeri")
    unit = gen_candidate(session, agency=agency, name="Direktorat Pendaftaran Penduduk")
    gen_user(session, Role.TPI, email="tia@uji.test")
    session.commit()
    return unit.slug, unit.id


def test_a_tpi_fills_in_the_lke_and_watches_the_figures_live(
    browser, live_server, candidate, session, screenshot_dir
):
    slug, unit_id = candidate
    inputs = lke_inputs(RULEBOOK, GOOD)
    rulebook = load_rulebook(RULEBOOK)
    good = score(rulebook, inputs)
    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    page = context.new_page()
    page.goto(f"{live_server}/admin/unit/{slug}/lke/baru?rulebook={RULEBOOK}")
    page.get_by_label("Email").fill("tia@uji.test")
    page.get_by_label("Kata sandi").fill("kata-sandi-uji-123")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"**/admin/unit/{slug}/lke/baru?rulebook={RULEBOOK}")
    total = page.locator(".score-summary [data-figure=total]")
    predicate = page.locator(".score-summary [data-part=predicate]")
    expect(total).to_have_text("—")
    page.evaluate("window.__sameDocument = true")  # lost if the page ever reloads

    for key, spec in inputs.items():
        text = f"{spec['index']:g}" if "index" in spec else f"{spec['value']:g}"
        page.locator(f"#in-{key}").fill(text.replace(".", ","))
    expect(total).to_have_text(shown(good.total))
    expect(predicate).to_contain_text("Mencapai predikat WBK")
    area = "birokrasi_bersih_akuntabel"
    expect(page.locator(f"[data-figure='area:{area}']")).to_have_text(shown(good.areas[area]))
    expect(page.locator(".score-summary [data-figure=pengungkit]")).to_have_text(
        shown(good.pengungkit)
    )
    expect(page.locator("[data-part=unmet] li").first).to_contain_text("WBBM")
    page.screenshot(path=str(screenshot_dir / "lke-01-wbk-live.png"), full_page=True)

    # The anti-corruption survey falls below 3.60: WBK is lost, and the page says which
    # threshold is missed and by how much.
    page.locator("#in-survei_persepsi_korupsi").fill("3,2")
    weaker = score(rulebook, inputs | {"survei_persepsi_korupsi": {"index": 3.2}})
    expect(total).to_have_text(shown(weaker.total))
    expect(predicate).to_contain_text("Belum mencapai predikat WBK")
    expect(page.locator("[data-part=unmet]")).to_contain_text(
        "WBK — Indikator Survei persepsi korupsi: minimal 15,75, tercapai 14,00, kurang 1,75."
    )
    page.screenshot(path=str(screenshot_dir / "lke-02-below-threshold.png"), full_page=True)

    # Answers instead of a value, and a typo flagged beside its field.
    page.locator("#kind-spbe").select_option("jawaban")
    page.locator("#in-spbe").fill("Ya, Tidak, Mungkin")
    error = page.locator("#in-spbe-errors")
    expect(error).to_contain_text("Jawaban ke-3 'Mungkin' bukan Ya/Tidak")
    expect(page.locator("#in-spbe")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(screenshot_dir / "lke-03-field-error.png"), full_page=True)
    page.locator("#in-spbe").fill("Ya, Ya, A, 60")
    expect(error).to_be_empty()
    page.locator("#in-survei_persepsi_korupsi").fill("3,8")
    fixed = score(rulebook, inputs | {"spbe": {"answers": ["Ya", "Ya", "A", 60]}})
    expect(total).to_have_text(shown(fixed.total))
    expect(predicate).to_contain_text(f"Mencapai predikat {fixed.predicate}")
    assert page.evaluate("window.__sameDocument") is True

    page.get_by_label("Penilai (tim atau nama)").fill("TPI Inspektorat Jenderal")
    page.get_by_role("button", name="Simpan", exact=True).click()
    page.wait_for_url("**/admin/lke/*")
    expect(page.get_by_text("Penilaian LKE disimpan")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "lke-04-saved.png"), full_page=True)
    context.close()

    saved = session.scalar(sa.select(Assessment).where(Assessment.unit_id == unit_id))
    assert saved.kind == AssessmentKind.MANDIRI and saved.assessor == "TPI Inspektorat Jenderal"
    assert saved.total == fixed.total and saved.result == fixed.to_dict()


def test_the_worksheet_reads_well_on_a_phone(phone, live_server, candidate, screenshot_dir):
    slug, _unit_id = candidate
    phone.goto(f"{live_server}/admin/unit/{slug}/lke/baru?rulebook={RULEBOOK}")
    phone.get_by_label("Email").fill("tia@uji.test")
    phone.get_by_label("Kata sandi").fill("kata-sandi-uji-123")
    phone.get_by_role("button", name="Masuk").click()
    phone.wait_for_url(f"**/lke/baru?rulebook={RULEBOOK}")
    phone.locator("#in-penyusunan_tim_kerja").fill("1")
    expect(phone.locator(".lke-mini [data-figure=total]")).to_have_text("0,50")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    phone.screenshot(path=str(screenshot_dir / "lke-05-phone.png"), full_page=False)
