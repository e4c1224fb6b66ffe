"""Evidence files attached to a ZI proposal (LKE worksheet, decrees, photos of innovations).

Threat model: the files come from staff, but staff machines get infected and files are passed
along from units, so they are treated like any evidence: the type is decided by the content
against the evidence allow-list (``evidence.inspect_upload`` / ``check_uploads``), with the same
count and size limits, before anything is written. Each file is written read-only (0400) under
``UPLOAD_DIR/proposals`` with a random name and its SHA-256 is recorded; the client's name is
only displayed. Files are tied to the transaction: one that does not commit deletes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from models import Proposal, ProposalDocument, User

from . import audit
from .evidence import (
    EvidencePolicy,
    Upload,
    _delete,
    _display_name,
    _forget,
    _inside,
    _write_sealed,
    check_uploads,
)

AREA = "proposals"


def stored_bytes(session: Session, proposal: Proposal) -> int:
    """Return the total size of the documents already stored for ``proposal``."""
    if proposal.id is None:
        return 0
    total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ProposalDocument.size), 0)).where(
            ProposalDocument.proposal_id == proposal.id
        )
    )
    return int(total or 0)


def documents_of(session: Session, proposal: Proposal) -> list[ProposalDocument]:
    """Return the documents of ``proposal``, oldest first."""
    return list(
        session.scalars(
            sa.select(ProposalDocument)
            .where(ProposalDocument.proposal_id == proposal.id)
            .order_by(ProposalDocument.id)
        )
    )


def store_proposal_documents(
    session: Session,
    proposal: Proposal,
    *,
    uploads: Sequence[Upload],
    policy: EvidencePolicy,
    upload_dir: str | Path,
    actor: User | None = None,
) -> list[ProposalDocument]:
    """Check every file (raising ``EvidenceRejected`` with every problem), then store them."""
    if not uploads:
        return []
    if isinstance(session, scoped_session):  # Flask-SQLAlchemy's db.session: the real one
        session = session()
    if proposal.id is None:
        session.flush()
    inspected = check_uploads(uploads, policy, already_stored_bytes=stored_bytes(session, proposal))
    base = Path(upload_dir)
    written: list[Path] = []
    documents = []
    try:
        for upload, found in zip(uploads, inspected, strict=True):
            path = _write_sealed(session, base, AREA, upload.content, written)
            documents.append(
                ProposalDocument(
                    proposal_id=proposal.id,
                    original_filename=_display_name(upload.filename, found.extension),
                    media_type=found.media_type,
                    size=len(upload.content),
                    sha256=hashlib.sha256(upload.content).hexdigest(),
                    path=path,
                    uploaded_by_id=actor.id if actor is not None else None,
                )
            )
    except BaseException:
        _delete(written)
        _forget(session, written)
        raise
    session.add_all(documents)
    session.flush()
    audit.record(
        session,
        "usulan.dokumen_disimpan",
        proposal,
        actor,
        files=[d.sha256 for d in documents],
    )
    return documents


def document_path(document: ProposalDocument, upload_dir: str | Path) -> Path:
    """Return where the stored file of ``document`` is (never outside the upload directory)."""
    return _inside(upload_dir, document.path)
