"""Named domain errors, translated into HTTP, bot or CLI answers only at the edges."""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """A request the domain refuses, with messages fit to show to the person who asked."""

    def __init__(self, reasons: str | Iterable[str]):
        self.reasons = [reasons] if isinstance(reasons, str) else [str(r) for r in reasons]
        super().__init__("; ".join(self.reasons))


class PreconditionFailed(DomainError):
    """A lifecycle step whose preconditions do not hold; ``reasons`` names each one."""


class InvalidAssessment(PreconditionFailed):
    """LKE inputs that cannot be scored on the chosen rulebook."""


class NotPermitted(DomainError):
    """The acting user's role does not allow this step."""
