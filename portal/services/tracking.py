"""Tracking codes and access keys: unguessable, easy to read aloud, no look-alike characters.

The alphabet leaves out 0/O, 1/I/L and U (which reads like V), so a code survives being written
down or read over the phone. A code (``ZI-7K3F-9QPM``, 30^8 ≈ 6.6·10^11) names a complaint; the
access key (four groups of five, 30^20 ≈ 2^98) proves the right to read and add to it. Only a
SHA-256 of the key is stored: with that much entropy a slow hash adds nothing, and lookups stay
cheap. Wrong guesses are rate-limited at the edges.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_PATTERN = re.compile(r"^ZI-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")
CODE_IN_TEXT = re.compile(r"\bZI-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}\b")
KEY_GROUPS, KEY_GROUP_LEN = 4, 5
_DUMMY_HASH = "0" * 64


def _random(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_code() -> str:
    """Return a fresh tracking code such as ``ZI-7K3F-9QPM``."""
    return f"ZI-{_random(4)}-{_random(4)}"


def new_access_key() -> str:
    """Return a fresh access key such as ``K7M3P-Q9RT2-…`` (shown once, never stored)."""
    return "-".join(_random(KEY_GROUP_LEN) for _ in range(KEY_GROUPS))


def _compact(text: str) -> str:
    return re.sub(r"[\s\-_.]", "", (text or "").upper())


def normalise_code(text: str) -> str | None:
    """Return the canonical code for what a person typed (any case, spaces), or None."""
    compact = _compact(text)
    if compact.startswith("ZI"):
        compact = compact[2:]
    if len(compact) != 8:
        return None
    code = f"ZI-{compact[:4]}-{compact[4:]}"
    return code if CODE_PATTERN.match(code) else None


def normalise_key(text: str) -> str:
    """Return the key in canonical grouped form (case, spaces and dashes do not matter)."""
    compact = _compact(text)
    return "-".join(compact[i : i + KEY_GROUP_LEN] for i in range(0, len(compact), KEY_GROUP_LEN))


def hash_key(key: str) -> str:
    """Return the stored form of an access key."""
    return hashlib.sha256(normalise_key(key).encode()).hexdigest()


def key_matches(stored_hash: str | None, key: str) -> bool:
    """Compare in constant time; an unknown complaint still costs one comparison."""
    return hmac.compare_digest(stored_hash or _DUMMY_HASH, hash_key(key)) and bool(stored_hash)
