"""/masuk and /keluar: passwords, generic failures, lockout, throttling, session cookies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.enums import Role
from tests.auth.conftest import (
    PASSWORD,
    audit_rows,
    config,
    csrf_token,
    fresh,
    login,
    page_text,
    post_from_account,
)

GENERIC = "Email atau kata sandi salah."
LATER = "Coba lagi nanti."


def test_login_page_is_indonesian_and_not_cached(client):
    response = client.get("/masuk")
    assert response.status_code == 200
    assert "Masuk petugas" in page_text(response)
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_right_password_signs_in_and_returns_to_next(client, make_staff):
    user = make_staff(Role.KOORDINATOR)
    response = login(client, user.email.upper(), next="/akun?tab=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/akun?tab=1"
    page = client.get("/akun")
    assert page.status_code == 200 and user.email in page_text(page)


def test_without_next_the_account_page_opens(client, make_staff):
    user = make_staff()
    assert login(client, user.email).headers["Location"] == "/akun"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "akun",
    ],
)
def test_next_outside_the_site_is_ignored(client, make_staff, target):
    user = make_staff()
    response = login(client, user.email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/akun"


def test_login_form_keeps_only_a_local_next(client):
    page = client.get("/masuk?next=https://evil.example/").get_data(as_text=True)
    assert 'name="next" type="hidden" value=""' in page
    page = client.get("/masuk?next=/inspektorat").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/inspektorat"' in page


def test_wrong_password_and_unknown_email_get_identical_pages(client, make_staff):
    user = make_staff(email="ada@uji.test")
    wrong_password = login(client, "ada@uji.test", "salah-sekali-123")
    unknown_email = login(client, "tidakada@uji.test", "salah-sekali-123")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert GENERIC in page_text(wrong_password)
    assert LATER not in page_text(wrong_password)
    same_email = lambda r: page_text(r).replace("tidakada@uji.test", "ada@uji.test")  # noqa: E731
    assert page_text(wrong_password) == same_email(unknown_email)
    reasons = [(row.object_id, row.details["reason"]) for row in audit_rows("masuk.gagal")]
    assert reasons == [(user.id, "wrong-password"), (None, "unknown")]


def test_failures_are_audited_without_password_or_raw_address(client, make_staff):
    user = make_staff()
    login(client, user.email, "tebakan-rahasia-999")
    [row] = audit_rows("masuk.gagal")
    assert row.actor_id is None and row.object_type == "User" and row.object_id == user.id
    assert "tebakan-rahasia-999" not in str(row.details)
    assert "127.0.0.1" not in str(row.details)
    assert len(row.details["client"]) == 24  # a keyed hash


def test_success_is_audited_and_resets_the_failure_count(client, make_staff):
    user = make_staff()
    login(client, user.email, "salah-satu-kali")
    assert fresh(user).failed_logins == 1
    login(client, user.email)
    assert fresh(user).failed_logins == 0
    [row] = audit_rows("masuk.berhasil")
    assert row.actor_id == user.id and row.details["method"] == "password"
    assert PASSWORD not in str(row.details)


def test_five_failures_lock_the_account_even_against_the_right_password(client, make_staff):
    user = make_staff()
    pages = [login(client, user.email, f"salah-{i}-abcdef") for i in range(5)]
    assert [LATER in page_text(p) for p in pages] == [False] * 4 + [True]
    right = login(client, user.email, PASSWORD)
    assert right.status_code == 401
    assert GENERIC in page_text(right) and LATER in page_text(right)
    assert client.get("/akun").status_code == 302  # not signed in
    assert fresh(user).locked_until > datetime.now(UTC) + timedelta(minutes=14)
    [lock] = audit_rows("masuk.dikunci")
    assert lock.object_id == user.id and lock.details["attempts"] == 5
    assert lock.details["minutes"] == 15
    assert [r.details["reason"] for r in audit_rows("masuk.gagal")][-1] == "locked"


def test_locked_page_says_nothing_about_the_password(client, make_staff):
    user = make_staff()
    for i in range(5):
        login(client, user.email, f"salah-{i}-abcdef")
    right = login(client, user.email, PASSWORD)
    wrong = login(client, user.email, "salah-lagi-abcdef")
    assert page_text(right) == page_text(wrong)


def test_lockout_settings_come_from_config(app, client, make_staff):
    user = make_staff()
    with config(app, LOGIN_LOCKOUT_ATTEMPTS=2, LOGIN_LOCKOUT_MINUTES=60):
        login(client, user.email, "salah-1-abcdef")
        second = login(client, user.email, "salah-2-abcdef")
    assert LATER in page_text(second)
    assert fresh(user).locked_until > datetime.now(UTC) + timedelta(minutes=59)


def test_an_unknown_email_locks_like_a_real_account(client, make_staff):
    user = make_staff(email="nyata@uji.test")
    real = [login(client, "nyata@uji.test", f"salah-{i}-abcdef") for i in range(5)]
    ghost = [login(client, "hantu@uji.test", f"salah-{i}-abcdef") for i in range(5)]
    unmask = lambda r: page_text(r).replace("hantu@uji.test", "nyata@uji.test")  # noqa: E731
    assert [page_text(r) for r in real] == [unmask(r) for r in ghost]
    assert LATER in page_text(ghost[-1])
    assert fresh(user).locked_until is not None


def test_the_lock_expires(client, make_staff, session):
    user = make_staff()
    for i in range(5):
        login(client, user.email, f"salah-{i}-abcdef")
    locked = fresh(user)
    locked.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    response = login(client, user.email)
    assert response.status_code == 302
    assert fresh(user).locked_until is None


def test_an_inactive_account_cannot_sign_in(client, make_staff):
    user = make_staff(active=False)
    response = login(client, user.email)
    assert response.status_code == 401 and GENERIC in page_text(response)
    assert client.get("/akun").status_code == 302
    assert audit_rows("masuk.gagal")[-1].details["reason"] == "inactive"


def test_brute_force_from_one_client_is_throttled(app, client, make_staff):
    user = make_staff()
    with config(app, RATELIMIT_LOGIN="3 per minute"):
        statuses = [login(client, "tebak@uji.test", "tebakan-abcdef").status_code for _ in range(4)]
        blocked = login(client, user.email)
    assert statuses == [401, 401, 401, 429]
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in page_text(blocked)
    assert client.get("/akun").status_code == 302


def test_the_login_form_needs_its_csrf_token(client, make_staff):
    user = make_staff()
    response = client.post("/masuk", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/akun").status_code == 302


def test_signing_in_starts_a_new_session(client, make_staff):
    user = make_staff()
    client.get("/masuk")
    with client.session_transaction() as sess:
        sess["ditanam"] = "oleh penyerang"
    before = client.get_cookie("session").value
    login(client, user.email)
    after = client.get_cookie("session").value
    assert before != after
    with client.session_transaction() as sess:
        assert "ditanam" not in sess
        assert sess["_user_id"] == str(user.id)


def test_session_cookie_is_httponly_and_samesite(client, make_staff):
    user = make_staff()
    cookie = login(client, user.email).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_signed_in_visit_to_the_login_page_goes_on(signed_in):
    client, _user = signed_in
    response = client.get("/masuk?next=/akun")
    assert response.status_code == 302 and response.headers["Location"] == "/akun"


def test_logout_needs_post(signed_in):
    client, _user = signed_in
    assert client.get("/keluar").status_code == 405
    assert client.get("/akun").status_code == 200


def test_logout_needs_the_csrf_token(signed_in):
    client, _user = signed_in
    assert client.post("/keluar").status_code == 400
    assert client.get("/akun").status_code == 200


def test_logout_ends_the_session_and_is_audited(signed_in):
    client, user = signed_in
    response = post_from_account(client, "/keluar")
    assert response.status_code == 302 and response.headers["Location"] == "/masuk"
    assert client.get("/akun").status_code == 302
    assert "Anda telah keluar." in page_text(client.get("/masuk"))
    [row] = audit_rows("keluar")
    assert row.actor_id == user.id


def test_a_token_from_before_login_does_not_work_after(client, make_staff):
    user = make_staff()
    stale = csrf_token(client, "/masuk")
    login(client, user.email)
    assert client.post("/keluar", data={"csrf_token": stale}).status_code == 400
