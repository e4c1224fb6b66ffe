"""Who may open what: the permission table, the role decorators, and session lifetime."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from models.enums import Role
from portal.auth import SEEN_KEY
from portal.auth.access import PERMISSIONS, UnknownPermission, can, identity_roles
from tests.auth.conftest import (
    audit_rows,
    config,
    csrf_token,
    fresh,
    login,
    page_text,
    post_from_account,
)

INS, K, A, TPI, TPN = Role.INSPEKTUR, Role.KOORDINATOR, Role.ADMIN_ZI, Role.TPI, Role.TPN
TABLE = {
    "complaints.view": {INS, K},
    "identity.reveal": {K},
    "evidence.original": {K},
    "audit.view": {A},
    "queue.export": {INS, K},
    "export.identity": {K},
}


def test_the_table_lists_exactly_these_permissions():
    assert set(PERMISSIONS) == set(TABLE)


@pytest.mark.parametrize("permission", sorted(TABLE))
@pytest.mark.parametrize("role", list(Role))
def test_can_follows_the_table(make_staff, role, permission):
    user = make_staff(role)
    assert can(user, permission) is (role in TABLE[permission])


@pytest.mark.parametrize("role", list(Role))
def test_only_the_assignee_inspector_may_reveal_an_identity(make_staff, role):
    user = make_staff(role)
    assigned = SimpleNamespace(assignee_id=user.id, unit_id=None)
    someone_elses = SimpleNamespace(assignee_id=user.id + 1000, unit_id=None)
    assert can(user, "identity.reveal", assigned) is (role in {INS, K})
    assert can(user, "identity.reveal", someone_elses) is (role == K)


def test_being_assigned_grants_nothing_else(make_staff):
    user = make_staff(INS)
    assigned = SimpleNamespace(assignee_id=user.id, unit_id=None)
    assert not can(user, "evidence.original", assigned)
    assert not can(user, "export.identity", assigned)


def test_nobody_holds_a_permission_on_a_complaint_about_their_own_unit(make_staff, session):
    from tests.factories import gen_agency, gen_unit

    unit = gen_unit(session, gen_agency(session))
    session.commit()
    coordinator = make_staff(K, unit=unit)
    own_unit = SimpleNamespace(assignee_id=coordinator.id, unit_id=unit.id)
    other_unit = SimpleNamespace(assignee_id=None, unit_id=unit.id + 1)
    assert not can(coordinator, "identity.reveal", own_unit)
    assert not can(coordinator, "complaints.view", own_unit)
    assert can(coordinator, "identity.reveal", other_unit)


def test_anonymous_and_inactive_users_hold_nothing(make_staff):
    inactive = make_staff(K, active=False)
    for permission in TABLE:
        assert not can(AnonymousUserMixin(), permission)
        assert not can(None, permission)
        assert not can(inactive, permission)


def test_an_unknown_permission_is_an_error_not_a_no(make_staff):
    with pytest.raises(UnknownPermission):
        can(make_staff(K), "identitas.lihat")


def test_identity_roles_are_those_that_may_see_identities():
    assert identity_roles() == {INS, K}


# --- the decorators, on a second app with test-only pages ---------------------------------


def test_anonymous_visitor_is_sent_to_login_with_the_way_back(probe_client):
    response = probe_client.get("/uji/penanganan?status=baru")
    assert response.status_code == 302
    assert response.headers["Location"] == "/masuk?next=/uji/penanganan?status%3Dbaru"


def test_anonymous_post_is_sent_to_login_without_next(probe_client):
    token = csrf_token(probe_client, "/masuk")
    response = probe_client.post("/uji/aksi", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/masuk"


def test_after_login_the_visitor_lands_on_the_page(probe_client, make_staff):
    user = make_staff(INS)
    location = probe_client.get("/uji/penanganan").headers["Location"]
    next_url = location.split("next=", 1)[1]
    response = login(probe_client, user.email, next=next_url)
    assert response.headers["Location"] == "/uji/penanganan"
    assert probe_client.get("/uji/penanganan").get_data(as_text=True) == "halaman penanganan"


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        (INS, "/uji/penanganan", 200),
        (K, "/uji/penanganan", 200),
        (A, "/uji/penanganan", 403),
        (TPN, "/uji/penanganan", 403),
        (A, "/uji/audit", 200),
        (K, "/uji/audit", 403),
        (INS, "/uji/audit", 403),
        (TPI, "/uji/staf", 200),
        (A, "/uji/staf", 200),
    ],
)
def test_roles_required_lets_in_only_the_named_roles(probe_client, make_staff, role, url, status):
    user = make_staff(role)
    login(probe_client, user.email)
    response = probe_client.get(url)
    assert response.status_code == status


def test_wrong_role_gets_an_indonesian_403_page(probe_client, make_staff):
    login(probe_client, make_staff(TPN).email)
    response = probe_client.get("/uji/audit")
    assert response.status_code == 403
    assert "Akses ditolak" in page_text(response)
    assert "halaman audit" not in page_text(response)


def test_decorated_views_say_which_roles_they_need(probe_app):
    view = probe_app.view_functions["probe.audit_page"]
    assert view.required_roles == {A}
    assert probe_app.view_functions["probe.any_staff"].required_roles == set(Role)


# --- session lifetime --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("idle_minutes", "seconds_ago", "alive"),
    [(30, 60, True), (30, 31 * 60, False), (1, 90, False), (1, 30, True)],
)
def test_an_idle_session_expires(app, signed_in, idle_minutes, seconds_ago, alive):
    client, user = signed_in
    with client.session_transaction() as sess:
        sess[SEEN_KEY] = time.time() - seconds_ago
    with config(app, SESSION_IDLE_MINUTES=idle_minutes):
        response = client.get("/akun")
    assert (response.status_code == 200) is alive
    if not alive:
        assert response.headers["Location"] == "/masuk?next=/akun"
        assert "Sesi Anda berakhir" in page_text(client.get("/masuk"))
        [row] = audit_rows("sesi.kedaluwarsa")
        assert row.actor_id == user.id


def test_activity_keeps_the_session_alive(signed_in):
    client, _user = signed_in
    with client.session_transaction() as sess:
        sess[SEEN_KEY] = time.time() - 29 * 60
    assert client.get("/akun").status_code == 200
    with client.session_transaction() as sess:
        assert time.time() - sess[SEEN_KEY] < 60


def test_logout_everywhere_ends_the_other_sessions_only(app, client, make_staff):
    user = make_staff(K)
    laptop, phone = client, app.test_client()  # two browsers (the fixture set the client class)
    login(laptop, user.email)
    login(phone, user.email)
    assert phone.get("/akun").status_code == 200
    response = post_from_account(laptop, "/keluar-semua")
    assert response.status_code == 302
    assert "Semua sesi lain telah diakhiri." in page_text(laptop.get("/akun"))
    assert phone.get("/akun").status_code == 302
    assert fresh(user).session_version == 2
    [row] = audit_rows("keluar.semua")
    assert row.actor_id == user.id


def test_logout_everywhere_needs_post_and_csrf(signed_in):
    client, user = signed_in
    assert client.get("/keluar-semua").status_code == 405
    assert client.post("/keluar-semua").status_code == 400
    assert fresh(user).session_version == 1


def test_deactivating_an_account_ends_its_sessions(signed_in, session):
    client, user = signed_in
    account = fresh(user)
    account.active = False
    session.commit()
    assert client.get("/akun").status_code == 302


def test_a_session_moved_to_another_browser_is_dropped(signed_in):
    client, _user = signed_in
    assert client.get("/akun").status_code == 200
    stolen = client.get("/akun", headers={"User-Agent": "Peramban Lain/1.0"})
    assert stolen.status_code == 302


def test_a_citizens_session_is_left_alone_by_session_protection(client):
    # Citizens never sign in: their session (a CSRF token) has no browser fingerprint to check,
    # and must not be rewritten, nor a remember-cookie deletion sent, on every public page.
    assert client.get("/lapor").status_code == 200
    again = client.get("/lapor", headers={"User-Agent": "Peramban Lain/1.0"})
    assert again.status_code == 200
    assert again.headers.getlist("Set-Cookie") == []
