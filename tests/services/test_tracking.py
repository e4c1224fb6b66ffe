"""Tracking codes and access keys."""

from __future__ import annotations

import pytest

from portal.services import tracking


def test_codes_are_readable_aloud():
    codes = {tracking.new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert tracking.CODE_PATTERN.match(code)
        assert not set(code[3:].replace("-", "")) & set("01OILU")


def test_keys_have_98_bits_and_no_look_alikes():
    key = tracking.new_access_key()
    groups = key.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5]
    assert not set("".join(groups)) & set("01OILU")


@pytest.mark.parametrize("typed", ["zi-7k3f-9qpm", " ZI 7K3F 9QPM ", "7K3F9QPM", "zi7k3f-9qpm"])
def test_typed_codes_are_normalised(typed):
    assert tracking.normalise_code(typed) == "ZI-7K3F-9QPM"


@pytest.mark.parametrize("typed", ["", "ZI-7K3F-9QP", "ZI-7K3F-9QPO", "ZI-0000-1111", "x" * 500])
def test_impossible_codes_are_refused(typed):
    assert tracking.normalise_code(typed) is None


def test_only_the_hash_is_compared_and_formatting_does_not_matter():
    key = tracking.new_access_key()
    stored = tracking.hash_key(key)
    assert key not in stored
    assert tracking.key_matches(stored, key.lower().replace("-", " "))
    assert not tracking.key_matches(stored, tracking.new_access_key())
    assert not tracking.key_matches(None, key)
