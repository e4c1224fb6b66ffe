"""/api/v1/openapi.json: a valid OpenAPI 3.1 document that describes every route, as served."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import Complaint
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit

PREFIX = "/api/v1"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(client) -> dict:
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def api_routes(app) -> set[tuple[str, str]]:
    """Every (path, method) the app serves under /api/v1, in OpenAPI path syntax."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(PREFIX) :])
        routes |= {(path, m.lower()) for m in rule.methods if m.lower() in METHODS}
    return routes


def documented(document: dict) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_the_document_is_openapi_3_1_for_this_api(document):
    assert document["openapi"].startswith("3.1.")
    assert document["servers"] == [{"url": PREFIX}]
    assert document["info"]["title"] and document["info"]["version"]


def test_the_document_is_valid_openapi_3_1(document):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)


def test_every_route_under_api_v1_is_documented_and_nothing_else(app, document):
    routes = api_routes(app)
    assert routes, "no /api/v1 routes registered"
    assert documented(document) == routes


def test_every_operation_documents_its_answers_in_json(document):
    for path, method in documented(document):
        operation = document["paths"][path][method]
        assert operation.get("summary") and operation.get("operationId"), (path, method)
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), (path, method)
        for code, response in responses.items():
            response = resolve(document, response)
            schema = response["content"]["application/json"]["schema"]
            if not code.startswith("2"):
                assert resolve(document, schema) is document["components"]["schemas"]["Errors"]
        if "requestBody" in operation:
            content = operation["requestBody"]["content"]
            assert set(content) == {"application/json", "multipart/form-data"}
            assert {"400", "413", "415", "422"} <= set(responses), (path, method)


def test_reading_and_replying_need_the_access_key_header(document):
    scheme = document["components"]["securitySchemes"]["AccessKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-Access-Key"}
    for path, method in [("/complaints/{code}", "get"), ("/complaints/{code}/messages", "post")]:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"AccessKey": []}]
        assert {"404", "429"} <= set(operation["responses"])
    assert "security" not in document["paths"]["/complaints"]["post"]


def test_the_complaint_input_names_the_intake_fields(document):
    schema = document["components"]["schemas"]["ComplaintInput"]
    assert set(schema["properties"]) == {
        "unit",
        "unit_hint",
        "category",
        "title",
        "description",
        "privacy",
        "incident_date",
        "incident_place",
        "reported_party",
        "contact",
        "language",
        "idempotency_key",
    }
    contact = document["components"]["schemas"]["ContactInput"]
    assert set(contact["properties"]) == {"name", "email", "phone"}


def test_the_error_rules_are_written_down(document):
    text = document["info"]["description"]
    for rule in ("415", "400", "422", "ignored", "X-Access-Key", "429", "idempotency_key"):
        assert rule in text


@pytest.fixture
def catalogue(session):
    ensure_categories(session)
    gen_unit(session, gen_agency(session), name="Direktorat Pendaftaran Penduduk")
    session.commit()


def test_real_answers_match_the_documented_schemas(client, session, document, catalogue):
    jsonschema = pytest.importorskip("openapi_schema_validator")

    def check(answer, path: str, method: str, status: str) -> None:
        response = document["paths"][path][method]["responses"][status]
        schema = resolve(document, response)["content"]["application/json"]["schema"]
        jsonschema.validate(
            answer.get_json(),
            {**schema, "components": document["components"]},
            cls=jsonschema.OAS31Validator,
        )

    report = {
        "unit": "direktorat-pendaftaran-penduduk",
        "category": "suap",
        "title": "Suap perizinan",
        "incident_date": "2025-01-02",
        "description": "Seorang pejabat meminta uang untuk menerbitkan izin usaha.",
        "contact": {"email": "warga@example.org"},
        "idempotency_key": "k" * 20,
    }
    filed = client.post(f"{PREFIX}/complaints", json=report)
    check(filed, "/complaints", "post", "201")
    check(client.post(f"{PREFIX}/complaints", json=report), "/complaints", "post", "200")
    check(client.post(f"{PREFIX}/complaints", json={"title": 1}), "/complaints", "post", "422")
    code, key = filed.get_json()["code"], filed.get_json()["access_key"]
    headers = {"X-Access-Key": key}
    check(
        client.post(
            f"{PREFIX}/complaints/{code}/messages", json={"body": "Tambahan."}, headers=headers
        ),
        "/complaints/{code}/messages",
        "post",
        "201",
    )
    check(
        client.get(f"{PREFIX}/complaints/{code}", headers=headers),
        "/complaints/{code}",
        "get",
        "200",
    )
    check(client.get(f"{PREFIX}/complaints/{code}"), "/complaints/{code}", "get", "404")
    check(client.get(f"{PREFIX}/units"), "/units", "get", "200")
    check(client.get(f"{PREFIX}/categories"), "/categories", "get", "200")
    assert session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1
