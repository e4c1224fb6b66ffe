"""/masuk, /masuk/kode, /akun, /akun/2fa, /keluar, /keluar-semua.

Threat model: password guessing (a per-client limit on every sign-in POST here, on top of the
service's per-account lockout), answers that tell which emails have accounts (one message, one
status), and a half-finished sign-in being hijacked (the password step leaves only a short-lived
"pending" mark in an emptied session; the account is signed in after the second factor).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

from flask import (
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from models import User, db

from ..extensions import client_key, limiter
from ..services import auth
from ..services.errors import NotPermitted
from . import MFA_KEY, bp, end_session, start_session
from .access import login_policy, safe_next, staff_required, to_login
from .forms import CodeForm, ConfirmForm, LoginForm

PENDING_KEY = "auth_pending"  # password accepted; waiting for the second factor
SETUP_KEY = "totp_setup"  # nonce of the TOTP secret being offered
PENDING_SECONDS = 5 * 60


def _login_limit() -> str:
    return current_app.config.get("RATELIMIT_LOGIN", "10 per minute")


def _too_many(_limit):
    notice = _("Terlalu banyak percobaan dari perangkat ini. Tunggu sebentar lalu coba lagi.")
    return _page("auth/too_many.html", status=429, notice=notice)


# One budget per client for every POST that checks a password or a code.
throttled = limiter.shared_limit(
    _login_limit, scope="staff-login", methods=["POST"], key_func=client_key, on_breach=_too_many
)


def _page(template: str, status: int = 200, **context):
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"  # sign-in pages and TOTP secrets
    return response


def _now() -> datetime:
    return datetime.now(UTC)


def _begin_pending(user: User, next_url: str) -> None:
    session.clear()
    session[PENDING_KEY] = {
        "uid": user.id,
        "sv": user.session_version,
        "at": time.time(),
        "next": next_url,
    }


def _pending_user() -> User | None:
    """Return the user whose password was accepted moments ago in this browser."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.active or user.session_version != pending.get("sv"):
        return None
    return user


def _pending_next() -> str:
    return safe_next((session.get(PENDING_KEY) or {}).get("next"))


def _refused(form: LoginForm, exc: auth.LoginRefused, policy: auth.LoginPolicy):
    message = str(exc)
    if exc.reason is auth.Reason.UNKNOWN and limiter.enabled:
        key = auth.email_key(current_app.secret_key.encode(), form.email.data)
        if auth.unknown_email_locked(limiter.limiter, key, policy):
            message = str(auth.LoginRefused(exc.reason, locked=True))
    form.password.data = ""
    return _page("auth/login.html", status=401, form=form, notice=message)


@bp.route("/masuk", methods=["GET", "POST"])
@throttled
def login():
    """Email and password; then the second factor when the account has or needs one."""
    form = LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next(request.args.get("next")))
        form.next.data = safe_next(request.args.get("next"), default="")
        return _page("auth/login.html", form=form)
    if not form.validate():
        return _page("auth/login.html", status=400, form=form)
    next_url = safe_next(form.next.data)
    policy = login_policy()
    try:
        accepted = auth.check_password(
            db.session,
            form.email.data,
            form.password.data,
            policy=policy,
            now=_now(),
            client=client_key(),
        )
    except auth.LoginRefused as exc:
        db.session.commit()  # the failure, the counter and any lockout are kept
        return _refused(form, exc, policy)
    user = accepted.user
    if accepted.second_factor is auth.SecondFactor.NONE:
        auth.complete_login(db.session, user, client=client_key())
        db.session.commit()
        start_session(user, mfa=False)
        return redirect(next_url)
    _begin_pending(user, next_url)
    if accepted.second_factor is auth.SecondFactor.TOTP:
        return redirect(url_for(".login_code"))
    return redirect(url_for(".totp_setup"))


@bp.route("/masuk/kode", methods=["GET", "POST"])
@throttled
def login_code():
    """The second step: a code from the authenticator app."""
    user = _pending_user()
    if user is None or not user.totp_secret:
        flash(_("Silakan masuk lagi."), "warning")
        return redirect(url_for(".login"))
    form = CodeForm()
    if request.method == "GET" or not form.validate():
        return _page("auth/code.html", status=200 if request.method == "GET" else 400, form=form)
    try:
        step = auth.check_totp(
            db.session,
            user,
            form.code.data,
            policy=login_policy(),
            now=_now(),
            client=client_key(),
        )
    except auth.LoginRefused as exc:
        db.session.commit()
        if exc.locked:
            session.pop(PENDING_KEY, None)
            fresh = LoginForm(formdata=None)
            return _page("auth/login.html", status=401, form=fresh, notice=str(exc))
        form.code.data = ""
        notice = str(auth.InvalidCode())
        return _page("auth/code.html", status=401, form=form, notice=notice)
    next_url = _pending_next()
    auth.complete_login(db.session, user, client=client_key(), totp_step=step)
    db.session.commit()
    start_session(user, mfa=True)
    return redirect(next_url)


@bp.route("/akun/2fa", methods=["GET", "POST"])
@throttled
def totp_setup():
    """Show and confirm a new TOTP secret; or, when TOTP is on, offer to turn it off."""
    signing_in = not current_user.is_authenticated
    user = _pending_user() if signing_in else current_user._get_current_object()
    if user is None:
        return to_login()
    if user.totp_secret:
        if signing_in:
            return redirect(url_for(".login_code"))
        return _page(
            "auth/totp_on.html",
            form=CodeForm(formdata=None),
            required=auth.totp_required(user, login_policy()),
        )
    nonce = session.get(SETUP_KEY) or secrets.token_urlsafe(16)
    session[SETUP_KEY] = nonce
    secret = auth.setup_secret(current_app.secret_key.encode(), user.id, nonce)
    form = CodeForm()
    notice, status = None, 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                step = auth.enable_totp(
                    db.session, user, secret, form.code.data, now=_now(), client=client_key()
                )
            except auth.InvalidCode as exc:
                db.session.rollback()
                notice, status = str(exc), 401
            else:
                next_url = _pending_next() if signing_in else url_for(".account")
                if signing_in:
                    auth.complete_login(db.session, user, client=client_key(), totp_step=step)
                db.session.commit()
                start_session(user, mfa=True)  # other sessions ended with the version bump
                flash(_("Verifikasi dua langkah aktif."), "ok")
                return redirect(next_url)
        form.code.data = ""
    return _page(
        "auth/totp_setup.html",
        status=status,
        form=form,
        notice=notice,
        secret=secret,
        uri=auth.provisioning_uri(user, secret),
        signing_in=signing_in,
    )


@bp.post("/akun/2fa/nonaktif")
@throttled
def totp_disable():
    """Turn TOTP off with a current code (refused when the user's roles require it)."""
    if not current_user.is_authenticated:
        return to_login()
    user = current_user._get_current_object()
    form = CodeForm()
    if not form.validate():
        flash(_("Isi kode 6 angka dari aplikasi autentikator."), "error")
        return redirect(url_for(".totp_setup"))
    try:
        auth.disable_totp(
            db.session,
            user,
            form.code.data,
            policy=login_policy(),
            now=_now(),
            client=client_key(),
        )
    except (auth.InvalidCode, NotPermitted) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".totp_setup"))
    db.session.commit()
    start_session(user, mfa=False)
    flash(_("Verifikasi dua langkah dimatikan."), "ok")
    return redirect(url_for(".account"))


@bp.get("/akun")
@staff_required
def account():
    """Who is signed in, their roles and 2FA, and the sign-out buttons."""
    idle_minutes = round(float(current_app.config.get("SESSION_IDLE_MINUTES", 30)))
    return _page(
        "auth/account.html", user=current_user, form=ConfirmForm(), idle_minutes=idle_minutes
    )


@bp.post("/keluar")
def logout():
    """Sign out of this browser (POST with the CSRF token only)."""
    if current_user.is_authenticated:
        auth.record_logout(db.session, current_user._get_current_object(), client=client_key())
        db.session.commit()
    end_session()
    flash(_("Anda telah keluar."), "ok")
    return redirect(url_for(".login"))


@bp.post("/keluar-semua")
def logout_everywhere():
    """End every other session of the signed-in user; this one stays."""
    if not current_user.is_authenticated:
        return to_login()
    user = current_user._get_current_object()
    mfa = bool(session.get(MFA_KEY))
    auth.end_other_sessions(db.session, user, client=client_key())
    db.session.commit()
    start_session(user, mfa=mfa)
    flash(_("Semua sesi lain telah diakhiri."), "ok")
    return redirect(url_for(".account"))


@bp.app_errorhandler(403)
def forbidden(_error):
    """Explain a refusal in Indonesian (JSON under /api/)."""
    if request.path.startswith("/api/"):
        return jsonify({"errors": {"request": [_("Anda tidak berhak membuka ini.")]}}), 403
    return render_template("errors/403.html"), 403
