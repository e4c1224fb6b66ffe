"""Typed SQLAlchemy models of ZI Portal, one module per aggregate, sharing one ``db``."""

from .audit import AuditEntry
from .base import Base, UTCDateTime, db, utcnow
from .bot import BlockedChat, BotChatData, BotConversation, BotMessageLink
from .complaint import (
    Attachment,
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    RawSource,
)
from .integrity import IntegrityRule, ProposalDocument
from .lifecycle import (
    Assessment,
    AssessmentValue,
    CoachingActivity,
    Declaration,
    DeclarationWitness,
    Predicate,
    Proposal,
    Review,
    RevocationCase,
)
from .org import Agency, AgencyYear, PactSignature, Unit
from .outbox import OutboundMessage
from .people import User, UserRole
from .quarantine import QuarantinedMessage
from .rollup import ComplaintRollup

__all__ = [
    "Agency",
    "AgencyYear",
    "Assessment",
    "AssessmentValue",
    "Attachment",
    "AuditEntry",
    "Base",
    "BlockedChat",
    "BotChatData",
    "BotConversation",
    "BotMessageLink",
    "Category",
    "CoachingActivity",
    "Complaint",
    "ComplaintEvent",
    "ComplaintMessage",
    "ComplaintRollup",
    "Declaration",
    "DeclarationWitness",
    "OutboundMessage",
    "PactSignature",
    "Predicate",
    "IntegrityRule",
    "Proposal",
    "ProposalDocument",
    "QuarantinedMessage",
    "RawSource",
    "Review",
    "RevocationCase",
    "Unit",
    "UTCDateTime",
    "User",
    "UserRole",
    "db",
    "utcnow",
]
