"""/api/v1/units and /api/v1/categories: the lists a client fills a complaint from."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Category
from models.enums import Eselon, PredicateKind
from portal.services.reference_data import CATEGORY_GROUPS, ensure_categories
from tests.factories import gen_agency, gen_candidate, gen_predicate, gen_unit


@pytest.fixture
def units(session):
    agency = gen_agency(session, name="Kementerian Dalam Negeri Uji")
    parent = gen_unit(session, agency, name="Direktorat Jenderal Kependudukan", eselon=Eselon.I)
    parent.abbreviation = "Ditjen Dukcapil"
    gen_unit(session, agency, name="Direktorat Pendaftaran Penduduk", parent=parent)
    gen_unit(session, agency, name="Inspektorat Jenderal")
    gen_unit(session, agency, name="Biro 100% Umum_Keuangan")
    session.commit()


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [u["name"] for u in response.get_json()["units"]]


def test_units_are_listed_by_name_with_their_standing(client, units):
    response = client.get("/api/v1/units")
    listed = response.get_json()["units"]
    assert names(response) == sorted(names(response))
    assert len(listed) == 4
    unit = next(u for u in listed if u["name"] == "Direktorat Pendaftaran Penduduk")
    assert unit == {
        "slug": "direktorat-pendaftaran-penduduk",
        "name": "Direktorat Pendaftaran Penduduk",
        "display_name": "Direktorat Pendaftaran Penduduk, Ditjen Dukcapil",
        "eselon": "II",
        "agency": "Kementerian Dalam Negeri Uji",
        "zi_stage": "belum",
        "predicate": None,
    }


def test_a_unit_holding_a_predicate_shows_it(client, session):
    unit = gen_candidate(session, name="Kantor Imigrasi Uji")
    gen_predicate(session, unit, PredicateKind.WBK)
    session.commit()
    [listed] = client.get("/api/v1/units").get_json()["units"]
    assert listed["predicate"] == "WBK" and listed["zi_stage"] == "wbk"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("direktorat", ["Direktorat Jenderal Kependudukan", "Direktorat Pendaftaran Penduduk"]),
        ("PENDAFTARAN", ["Direktorat Pendaftaran Penduduk"]),
        ("  inspektorat  ", ["Inspektorat Jenderal"]),
        ("%", ["Biro 100% Umum_Keuangan"]),  # a literal percent sign, not a wildcard
        ("_", ["Biro 100% Umum_Keuangan"]),
        ("tidak ada", []),
        ("<b>Inspektorat</b>", ["Inspektorat Jenderal"]),
        ("Inspek\x00torat", ["Inspektorat Jenderal"]),
        (
            "",
            [
                "Biro 100% Umum_Keuangan",
                "Direktorat Jenderal Kependudukan",
                "Direktorat Pendaftaran Penduduk",
                "Inspektorat Jenderal",
            ],
        ),
    ],
)
def test_units_can_be_searched_by_name_in_any_case(client, units, q, expected):
    assert names(client.get("/api/v1/units", query_string={"q": q})) == expected


def test_a_search_term_over_100_characters_is_422(client, units):
    assert client.get("/api/v1/units", query_string={"q": "a" * 100}).status_code == 200
    response = client.get("/api/v1/units", query_string={"q": "a" * 101})
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["q"]


def test_the_default_limit_is_50(client, session):
    agency = gen_agency(session)
    for n in range(52):
        gen_unit(session, agency, name=f"Unit Uji {n:02d}", pact=False)
    session.commit()
    assert len(names(client.get("/api/v1/units"))) == 50
    assert len(names(client.get("/api/v1/units", query_string={"limit": "500"}))) == 52


@pytest.mark.parametrize(("limit", "count"), [("1", 1), ("2", 2), ("3", 3), ("500", 4)])
def test_the_limit_caps_the_list(client, units, limit, count):
    listed = names(client.get("/api/v1/units", query_string={"limit": limit}))
    assert len(listed) == count and listed == sorted(listed)


@pytest.mark.parametrize("limit", ["0", "501", "-1", "abc", "1.5", "", " 5", "9" * 40])
def test_a_limit_outside_1_to_500_is_422(client, units, limit):
    response = client.get("/api/v1/units", query_string={"limit": limit})
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["limit"]


def test_categories_list_every_active_category_with_its_group(client, session):
    ensure_categories(session)
    session.commit()
    listed = client.get("/api/v1/categories").get_json()["categories"]
    expected = sum(1 + len(group.children) for group in CATEGORY_GROUPS)
    assert len(listed) == expected
    by_slug = {c["slug"]: c for c in listed}
    assert by_slug["pungli"] == {
        "slug": "pungli",
        "name": "Pemerasan/pungutan liar",
        "name_en": "Extortion/illegal levies",
        "group": "korupsi",
        "is_integrity": True,
        "default_privacy": "rahasia",
    }
    assert by_slug["korupsi"]["group"] is None and by_slug["aspirasi"]["group"] is None
    assert by_slug["aspirasi"]["default_privacy"] == "terbuka"
    assert not by_slug["penundaan-berlarut"]["is_integrity"]
    # Each group comes before its members, in the order of the form.
    order = [c["slug"] for c in listed]
    assert order[0] == "korupsi" and order.index("korupsi") < order.index("suap")
    assert order.index("suap") < order.index("maladministrasi")


def test_inactive_categories_are_not_listed(client, session):
    ensure_categories(session)
    session.scalar(sa.select(Category).where(Category.slug == "gratifikasi")).active = False
    session.scalar(sa.select(Category).where(Category.slug == "aspirasi")).active = False
    session.commit()
    slugs = {c["slug"] for c in client.get("/api/v1/categories").get_json()["categories"]}
    assert "gratifikasi" not in slugs and "aspirasi" not in slugs and "suap" in slugs


def test_catalogues_are_empty_lists_on_an_empty_database(client):
    assert client.get("/api/v1/units").get_json() == {"units": []}
    assert client.get("/api/v1/categories").get_json() == {"categories": []}


def test_a_failing_catalogue_answers_json(app, client, monkeypatch):
    import portal.api.catalog as catalog

    def explode(*_args, **_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(catalog, "_search_args", explode)
    response = client.get("/api/v1/units")
    assert response.status_code == 500 and response.is_json
    assert "database gone" not in response.get_data(as_text=True)
