"""The blank /lapor form comes from a cached page: it must be exactly the page a render makes,
show every change to units and categories at once, and cost no query."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import render_template_string
from flask_wtf.csrf import generate_csrf

from models import Category, Complaint, db
from portal.public import report
from portal.public.forms import ReportForm
from portal.services import choices
from tests.factories import gen_unit
from tests.public.conftest import form_tokens, valid_report

TOKENS = re.compile(r'(name="(?:csrf_token|form_token)" type="hidden" value=")[^"]*"')


def _without_tokens(html: str) -> str:
    return TOKENS.sub(r'\1…"', html)


def _rendered(app, path: str = "/lapor") -> str:
    """The page ``render_report`` makes of a fresh form (the view's uncached path)."""
    with app.test_request_context(path):
        form = ReportForm()
        form.privacy.data = "rahasia"
        return report.render_report(form).get_data(as_text=True)


def test_cached_blank_form_is_the_rendered_page(client, app, catalogue):
    first = client.get("/lapor").get_data(as_text=True)
    second = client.get("/lapor").get_data(as_text=True)
    assert _without_tokens(first) == _without_tokens(second) == _without_tokens(_rendered(app))
    assert first != second  # a fresh one-time form token on every visit
    client.set_cookie("zi_lang", "en")
    english = client.get("/lapor").get_data(as_text=True)
    assert "Report suspected wrongdoing" in english and 'lang="en"' in english


def test_tokens_of_a_cached_page_file_a_complaint(client, session, catalogue):
    client.get("/lapor")  # build the cache with this visitor's session
    response = client.post("/lapor", data={**form_tokens(client, "/lapor"), **valid_report()})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert session.scalar(sa.select(sa.func.count(Complaint.id))) == 1


def test_a_new_unit_and_a_retired_category_show_at_once(client, session, catalogue):
    assert "Direktorat Baru" not in client.get("/lapor").get_data(as_text=True)
    gen_unit(session, catalogue["dukcapil"].agency, name="Direktorat Baru")
    session.execute(sa.update(Category).where(Category.slug == "pungli").values(active=False))
    session.commit()
    page = client.get("/lapor").get_data(as_text=True)
    assert "Direktorat Baru" in page and 'value="pungli"' not in page
    response = client.post(
        "/lapor",
        data={**form_tokens(client, "/lapor"), **valid_report(unit="Direktorat Baru")},
    )
    assert response.status_code == 422  # pungli is retired; the new unit itself resolved
    assert "Pilih kategori" in response.get_data(as_text=True)


def test_a_unit_added_elsewhere_is_found_when_typed(client, session, catalogue, monkeypatch):
    client.get("/lapor")
    # Another process adds a unit: this process sees no write of its own.
    monkeypatch.setattr(choices, "_WRITE_TO_LISTED", re.compile("(?!)"))
    generation = choices.generation()
    gen_unit(session, catalogue["dukcapil"].agency, name="Direktorat Lain")
    session.commit()
    assert choices.generation() == generation
    assert "Direktorat Lain" not in client.get("/lapor").get_data(as_text=True)  # for a while
    payload = {**form_tokens(client, "/lapor"), **valid_report(unit="Direktorat Lain")}
    assert client.post("/lapor", data=payload).status_code == 302
    filed = session.scalar(sa.select(Complaint))
    assert filed.unit.name == "Direktorat Lain"


def test_lists_older_than_the_limit_are_read_again(app, catalogue, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(choices.time, "monotonic", lambda: clock[0])
    built = []

    def build():
        built.append(1)
        return len(built)

    assert choices.memo(app, "probe", build) == 1
    assert choices.memo(app, "probe", build) == 1
    clock[0] += choices.MAX_AGE_SECONDS + 1
    assert choices.memo(app, "probe", build) == 2


def test_warm_blank_form_costs_no_query_and_filing_few(client, app, catalogue):
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    client.get("/lapor")
    tokens = form_tokens(client, "/lapor")
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        client.get("/lapor")
        assert seen == []
        client.post("/lapor", data={**tokens, **valid_report()})
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    # One read (earlier filing, free code, category and unit together), the complaint, its
    # message and event, and the statistics' upkeep. Each statement is a round trip to a
    # database server: keep this list short.
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 2, reads
    assert len(seen) <= 7, seen


def test_a_changed_template_falls_back_to_rendering(client, app, catalogue, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(report, "_page", lambda form, **_: render_template_string("no tokens"))
        with app.test_request_context("/lapor"):
            assert report._blank_form_parts(csrf_on=True) is None
    with monkeypatch.context() as patch:  # a template that prints the token somewhere else
        page = report._page
        patch.setattr(report, "_page", lambda form, **_: page(form) + generate_csrf())
        with app.test_request_context("/lapor"):
            assert report._blank_form_parts(csrf_on=True) is None
    monkeypatch.setattr(report, "_blank_form_parts", lambda csrf_on: None)
    choices.invalidate()
    assert form_tokens(client, "/lapor").keys() == {"csrf_token", "form_token"}
