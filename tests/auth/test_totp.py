"""TOTP two-factor: the second sign-in step, replay, enrolment, and turning it off."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask.sessions import SecureCookieSessionInterface

from models.enums import Role
from tests.auth.conftest import (
    audit_rows,
    config,
    csrf_token,
    fresh,
    login,
    page_text,
    send_code,
    wrong_code,
)

DISABLE = "/akun/2fa/nonaktif"


def code_now(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def code_next(secret: str) -> str:
    """The next 30-second code: accepted (clock drift) and never spent yet."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def shown_secret(response) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', response.get_data(as_text=True))
    return match.group(1).replace(" ", "")


@pytest.fixture
def required(app):
    """Turn on TOTP for the roles that can see identities, as production does."""
    with config(app, REQUIRE_TOTP_FOR_IDENTITY_ROLES=True):
        yield


def test_the_password_alone_does_not_sign_in_a_totp_user(client, make_staff):
    user = make_staff(Role.KOORDINATOR, totp=True)
    response = login(client, user.email, next="/akun")
    assert response.headers["Location"] == "/masuk/kode"
    assert client.get("/akun").status_code == 302
    assert audit_rows("masuk.berhasil") == []


def test_the_right_code_signs_in_and_goes_to_next(client, make_staff):
    user = make_staff(Role.KOORDINATOR, totp=True)
    login(client, user.email, next="/akun?x=1")
    response = send_code(client, code_now(user.totp_secret))
    assert response.status_code == 302 and response.headers["Location"] == "/akun?x=1"
    assert client.get("/akun").status_code == 200
    [row] = audit_rows("masuk.berhasil")
    assert row.details["method"] == "totp"
    assert code_now(user.totp_secret) not in str(row.details)


def test_a_wrong_code_is_refused_counted_and_audited(client, make_staff):
    user = make_staff(Role.KOORDINATOR, totp=True)
    login(client, user.email)
    response = send_code(client, wrong_code(user.totp_secret))
    assert response.status_code == 401
    assert "Kode verifikasi salah atau sudah dipakai." in page_text(response)
    assert client.get("/akun").status_code == 302
    assert fresh(user).failed_logins == 1
    assert audit_rows("masuk.gagal")[-1].details["reason"] == "bad-totp"


def test_a_code_works_only_once(client, app, make_staff):
    user = make_staff(Role.KOORDINATOR, totp=True)
    code = code_now(user.totp_secret)
    login(client, user.email)
    assert send_code(client, code).status_code == 302
    other_browser = app.test_client()
    login(other_browser, user.email)
    replay = send_code(other_browser, code)
    assert replay.status_code == 401
    assert other_browser.get("/akun").status_code == 302
    assert audit_rows("masuk.gagal")[-1].details["reason"] == "bad-totp"


def test_bad_codes_lock_the_account(client, make_staff):
    user = make_staff(Role.KOORDINATOR, totp=True)
    login(client, user.email)
    for _ in range(4):
        send_code(client, wrong_code(user.totp_secret))
    locked = send_code(client, wrong_code(user.totp_secret))
    assert "Coba lagi nanti." in page_text(locked)
    assert fresh(user).locked_until is not None
    assert len(audit_rows("masuk.dikunci")) == 1
    login(client, user.email)  # the right password, but locked
    assert client.get("/masuk/kode").status_code == 302


def test_the_code_step_needs_the_password_step_first(client, make_staff):
    make_staff(Role.KOORDINATOR, totp=True)
    assert client.get("/masuk/kode").headers["Location"] == "/masuk"


def test_a_half_finished_sign_in_expires(client, make_staff):
    user = make_staff(Role.KOORDINATOR, totp=True)
    login(client, user.email)
    token = csrf_token(client, "/masuk/kode")
    with client.session_transaction() as sess:
        sess["auth_pending"] = {**sess["auth_pending"], "at": time.time() - 600}
    code = code_now(user.totp_secret)
    response = client.post("/masuk/kode", data={"csrf_token": token, "code": code})
    assert response.headers["Location"] == "/masuk"
    assert client.get("/akun").status_code == 302


def test_identity_roles_must_enrol_before_signing_in(client, make_staff, required):
    user = make_staff(Role.INSPEKTUR)
    response = login(client, user.email, next="/akun?x=2")
    assert response.headers["Location"] == "/akun/2fa"
    assert client.get("/akun").status_code == 302
    page = client.get("/akun/2fa")
    secret = shown_secret(page)
    assert f"otpauth://totp/ZI%20Portal:{user.email.replace('@', '%40')}?secret={secret}" in (
        page.get_data(as_text=True)
    )
    assert "<img" not in page.get_data(as_text=True)  # no QR from an outside service
    assert page.headers["Cache-Control"] == "no-store"
    assert send_code(client, wrong_code(secret), "/akun/2fa").status_code == 401
    response = send_code(client, code_now(secret), "/akun/2fa")
    assert response.headers["Location"] == "/akun?x=2"
    assert client.get("/akun").status_code == 200
    assert fresh(user).totp_secret == secret
    assert [r.action for r in audit_rows() if r.action.startswith(("2fa", "masuk"))] == [
        "2fa.diaktifkan",
        "masuk.berhasil",
    ]


def test_roles_without_identities_need_no_totp(client, make_staff, required):
    user = make_staff(Role.ADMIN_ZI)
    assert login(client, user.email).headers["Location"] == "/akun"


def test_the_secret_on_offer_never_travels_in_the_cookie(app, client, make_staff, required):
    user = make_staff(Role.INSPEKTUR)
    login(client, user.email)
    secret = shown_secret(client.get("/akun/2fa"))
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert secret not in str(serializer.loads(client.get_cookie("session").value))
    assert shown_secret(client.get("/akun/2fa")) == secret  # stable while enrolling


def test_a_signed_in_user_can_turn_totp_on(client, app, make_staff):
    user = make_staff(Role.TPN)
    login(client, user.email)
    other_browser = app.test_client()
    login(other_browser, user.email)
    secret = shown_secret(client.get("/akun/2fa"))
    response = send_code(client, code_now(secret), "/akun/2fa")
    assert response.headers["Location"] == "/akun"
    assert "Verifikasi dua langkah aktif" in page_text(client.get("/akun"))
    assert other_browser.get("/akun").status_code == 302  # opened with the password alone
    assert [r.actor_id for r in audit_rows("2fa.diaktifkan")] == [user.id]


def test_turning_totp_off_needs_a_fresh_code_and_is_audited(client, make_staff):
    user = make_staff(Role.TPN, totp=True)
    login(client, user.email)
    send_code(client, code_now(user.totp_secret))
    refused = send_code(client, code_now(user.totp_secret), DISABLE, "/akun/2fa")  # spent
    assert refused.headers["Location"] == "/akun/2fa"
    assert fresh(user).totp_secret is not None
    response = send_code(client, code_next(user.totp_secret), DISABLE, "/akun/2fa")
    assert response.headers["Location"] == "/akun"
    assert fresh(user).totp_secret is None
    assert client.get("/akun").status_code == 200
    [row] = audit_rows("2fa.dinonaktifkan")
    assert row.actor_id == user.id


def test_totp_cannot_be_turned_off_when_required(client, make_staff, required):
    user = make_staff(Role.KOORDINATOR, totp=True)
    login(client, user.email)
    send_code(client, code_now(user.totp_secret))
    assert "tidak dapat dimatikan" in page_text(client.get("/akun/2fa"))
    refused = send_code(client, code_next(user.totp_secret), DISABLE, "/akun")  # a forged form
    assert refused.headers["Location"] == "/akun/2fa"
    assert "tidak dapat dimatikan" in page_text(client.get("/akun/2fa"))
    assert fresh(user).totp_secret is not None
    assert audit_rows("2fa.dinonaktifkan") == []


def test_a_session_opened_before_the_rule_must_enrol(app, client, make_staff):
    user = make_staff(Role.INSPEKTUR)
    login(client, user.email)
    assert client.get("/akun").status_code == 200
    with config(app, REQUIRE_TOTP_FOR_IDENTITY_ROLES=True):
        response = client.get("/akun")
    assert response.headers["Location"] == "/akun/2fa"


def test_the_totp_step_is_throttled_too(app, client, make_staff):
    user = make_staff(Role.KOORDINATOR, totp=True)
    with config(app, RATELIMIT_LOGIN="1 per minute"):
        login(client, user.email)
        blocked = send_code(client, code_now(user.totp_secret))
    assert blocked.status_code == 429
