"""Keep a reporter's files across a form that has to be shown again.

Browsers cannot refill a file input, so when a form comes back with an error the files that
were fine are parked here, under random names, and listed as "kept". Only the browser session
that parked a file can use it; parked files older than a day are swept away.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from flask import current_app, session

from ..services.evidence import Upload

SESSION_KEY = "staged_files"  # the public form's; staff forms keep theirs apart
MAX_AGE_SECONDS = 24 * 3600


def _dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "staging"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _sweep(directory: Path) -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for item in directory.iterdir():
        if item.stat().st_mtime < cutoff:
            item.unlink(missing_ok=True)


def stage(uploads: list[Upload], key: str = SESSION_KEY) -> None:
    """Park ``uploads`` for this browser session (up to the evidence file limit)."""
    directory = _dir()
    _sweep(directory)
    staged = list(session.get(key, []))
    for upload in uploads:
        if len(staged) >= current_app.config["EVIDENCE_MAX_FILES"]:
            break
        token = secrets.token_urlsafe(16)
        (directory / f"{token}.bin").write_bytes(upload.content)
        (directory / f"{token}.json").write_text(json.dumps({"name": upload.filename}))
        staged.append({"id": token, "name": upload.filename, "size": len(upload.content)})
    session[key] = staged


def kept(key: str = SESSION_KEY) -> list[dict]:
    """Return the files parked for this session (id, name, size)."""
    return list(session.get(key, []))


def take(keep_ids: set[str], key: str = SESSION_KEY) -> list[Upload]:
    """Return the parked files the reporter kept (by id), in the order they were parked."""
    staged = session.get(key)
    if not staged:
        return []
    directory = _dir()
    uploads = []
    for item in staged:
        path = directory / f"{item['id']}.bin"
        if item["id"] in keep_ids and path.exists():
            uploads.append(Upload(filename=item["name"], content=path.read_bytes()))
    return uploads


def clear(key: str = SESSION_KEY) -> None:
    """Forget and delete this session's parked files (after filing, or when abandoned)."""
    staged = session.pop(key, [])
    if not staged:
        return
    directory = _dir()
    for item in staged:
        (directory / f"{item['id']}.bin").unlink(missing_ok=True)
        (directory / f"{item['id']}.json").unlink(missing_ok=True)
