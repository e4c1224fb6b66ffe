"""Who may open what: role decorators for staff views and the permission table.

Threat model: an anonymous visitor or a staff member of the wrong role reaching an inspector
page or action; an open redirect through ``next``. Views are closed by default: decorate every
staff view with ``staff_required`` or ``roles_required``, and ask ``can()`` before showing or
doing anything sensitive inside a page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from models.enums import Role

from ..services.auth import LoginPolicy, totp_required
from . import MFA_KEY, end_session

# permission -> the roles that hold it everywhere. Complaint-scoped rules are in ``can``.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "complaints.view": frozenset({Role.INSPEKTUR, Role.KOORDINATOR}),
    "identity.reveal": frozenset({Role.KOORDINATOR}),
    "evidence.original": frozenset({Role.KOORDINATOR}),
    "audit.view": frozenset({Role.ADMIN_ZI}),
    "queue.export": frozenset({Role.INSPEKTUR, Role.KOORDINATOR}),
    "export.identity": frozenset({Role.KOORDINATOR}),
}
# An inspector may reveal the identity in a complaint assigned to them.
ASSIGNEE_PERMISSIONS: dict[str, frozenset[Role]] = {
    "identity.reveal": frozenset({Role.INSPEKTUR}),
}
IDENTITY_PERMISSIONS = ("identity.reveal", "export.identity")


class UnknownPermission(KeyError):
    """A permission name missing from the table (a typo must not silently deny or allow)."""


def identity_roles() -> frozenset[Role]:
    """Return the roles that can ever see a reporter's identity (TOTP applies to them)."""
    roles: set[Role] = set()
    for name in IDENTITY_PERMISSIONS:
        roles |= PERMISSIONS[name] | ASSIGNEE_PERMISSIONS.get(name, frozenset())
    return frozenset(roles)


def login_policy() -> LoginPolicy:
    """Return the sign-in policy of the current app."""
    return LoginPolicy.from_config(current_app.config, identity_roles())


def can(user: Any, permission: str, complaint: Any = None) -> bool:
    """Return whether ``user`` holds ``permission`` (on ``complaint`` when one is given).

    With a complaint, a user whose own unit is the complaint's unit never holds it (recusal).
    """
    if permission not in PERMISSIONS:
        raise UnknownPermission(permission)
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    roles = user.roles
    if complaint is not None:
        unit_id = getattr(complaint, "unit_id", None)
        if user.unit_id is not None and unit_id is not None and user.unit_id == unit_id:
            return False
    if roles & PERMISSIONS[permission]:
        return True
    assigned = complaint is not None and getattr(complaint, "assignee_id", None) == user.id
    return assigned and bool(roles & ASSIGNEE_PERMISSIONS.get(permission, frozenset()))


def safe_next(target: str | None, default: str | None = None) -> str:
    """Return ``target`` if it is a path on this site, else ``default`` (no open redirect)."""
    fallback = url_for("auth.account") if default is None else default
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    # Browsers read "\" as "/" and drop tabs and newlines: "/\evil" and "/\t/evil" leave the site.
    if "\\" in target or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return fallback
    return target


def to_login():
    """Send an anonymous visitor to the sign-in page, coming back here afterwards."""
    if request.method != "GET":
        return redirect(url_for("auth.login"))
    path = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=path))


def roles_required(*roles: Role | str) -> Callable:
    """Let in signed-in staff holding one of ``roles`` (none given: any role); 403 otherwise."""
    wanted = frozenset(Role(role) for role in roles) or frozenset(Role)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            user = current_user
            if not user.is_authenticated:
                return to_login()
            if totp_required(user, login_policy()) and not session.get(MFA_KEY):
                # The roles changed or the rule was switched on after this sign-in.
                if user.totp_secret:
                    end_session()
                    return to_login()
                return redirect(url_for("auth.totp_setup"))
            if not user.has_role(*wanted):
                abort(403)
            return view(*args, **kwargs)

        guarded.required_roles = wanted  # lets tests list what every staff URL demands
        return guarded

    return decorator


def staff_required(view: Callable) -> Callable:
    """Let in any signed-in staff member who holds at least one role."""
    return roles_required()(view)
