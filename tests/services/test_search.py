"""Full-text search in the inspectors' queue: probe and match-set paths give the same answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import Complaint
from models.enums import Channel, Role
from portal.services import queue, triage
from portal.services.intake import (
    ComplaintSubmission,
    Contact,
    IntakeSettings,
    add_message,
    submit_complaint,
)
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit, gen_user

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def world(session, app):
    ensure_categories(session)
    agency = gen_agency(session)
    own = gen_unit(session, agency, name="Direktorat Sendiri")
    other = gen_unit(session, agency, name="Direktorat Lain")
    inspector = gen_user(session, Role.INSPEKTUR, email="ina@uji.test")
    insider = gen_user(session, Role.INSPEKTUR, email="dalam@uji.test", unit=own)
    session.commit()
    return {"own": own, "other": other, "inspector": inspector, "insider": insider, "app": app}


def file(session, world, title, description, *, unit=None, minutes=0) -> Complaint:
    submission = ComplaintSubmission(
        channel=Channel.WEB,
        category="pungli",
        title=title,
        description=f"{description} (uraian uji coba)",
        unit=(unit or world["other"]).slug,
        contact=Contact(email="warga@contoh.test"),
    )
    settings = IntakeSettings.from_config(world["app"].config)
    complaint = submit_complaint(session, submission, settings).complaint
    complaint.created_at = START + timedelta(minutes=minutes)  # a clear queue order
    session.commit()
    return complaint


@pytest.fixture
def probe_small(monkeypatch):
    """Tiny probe windows, and never the few-matches shortcut: the probe path is exercised."""
    monkeypatch.setattr(queue, "PROBE_WINDOW", 4)
    monkeypatch.setattr(queue, "PROBE_LIMIT", {"sqlite": 16, "postgresql": 16})
    monkeypatch.setattr(queue, "FEW_MATCHES", {"sqlite": 0, "postgresql": 0})


def ids(session, world, q, *, viewer="inspector", size=5, **kwargs) -> list[int]:
    """Every match, page after page, in queue order."""
    f = queue.QueueFilter(q=q, **kwargs)
    found, cursor = [], None
    while True:
        result = queue.page(session, f, world[viewer], cursor=cursor, size=size)
        found += [c.id for c in result.items]
        cursor = result.next_cursor
        if cursor is None:
            return found


def test_a_common_word_fills_the_page_from_the_probe(session, world, probe_small, monkeypatch):
    made = [
        file(session, world, f"Laporan {i}", "Petugas meminta uang", minutes=i) for i in range(12)
    ]

    def no_match_set(*args, **kwargs):
        raise AssertionError("a common word must not read its whole match set")

    monkeypatch.setattr(queue, "page_statement", no_match_set)
    result = queue.page(session, queue.QueueFilter(q="petugas"), world["inspector"], size=3)
    assert [c.id for c in result.items] == [c.id for c in reversed(made)][:3]


def test_a_rare_word_far_back_is_found_beyond_the_probe(session, world, probe_small):
    old = file(session, world, "Kuitansi", "Kuitansi bermeterai diminta", minutes=0)
    for i in range(1, 30):
        file(session, world, f"Laporan {i}", "Petugas lambat", minutes=i)
    assert ids(session, world, "bermeterai") == [old.id]
    assert ids(session, world, "bermet") == [old.id]  # every word is a prefix


def test_the_few_matches_shortcut_agrees(session, world):
    old = file(session, world, "Kuitansi", "Kuitansi bermeterai diminta", minutes=0)
    file(session, world, "Laporan", "Petugas lambat", minutes=1)
    assert ids(session, world, "bermeterai") == [old.id]


def test_a_word_only_in_a_message_or_a_note_is_found(session, world, probe_small):
    first = file(session, world, "Laporan satu", "Petugas lambat", minutes=0)
    second = file(session, world, "Laporan dua", "Petugas lambat", minutes=1)
    settings = IntakeSettings.from_config(world["app"].config)
    add_message(
        session, first, body="Ada kuitansi bermeterai", channel=Channel.WEB, settings=settings
    )
    session.commit()
    triage.add_note(session, second, body="Cek rekaman cctv loket", author=world["inspector"])
    session.commit()
    assert ids(session, world, "kuitansi") == [first.id]
    assert ids(session, world, "rekaman cctv") == [second.id]
    # Every word must match, each anywhere in the complaint or its thread.
    assert ids(session, world, "laporan bermeterai") == [first.id]
    assert ids(session, world, "bermeterai cctv") == []


def test_deep_pagination_yields_every_match_once_in_order(session, world, probe_small):
    made = []
    for i in range(40):
        word = "petugas" if i % 3 else "pegawai"
        made.append(file(session, world, f"Laporan {i}", f"{word} meminta uang", minutes=i % 7))
    expected = sorted(
        (c for c in made if "petugas" in c.body), key=lambda c: (c.created_at, c.id), reverse=True
    )
    for size in (1, 2, 5):
        assert ids(session, world, "petugas", size=size) == [c.id for c in expected]
    oldest = sorted((c for c in made if "petugas" in c.body), key=lambda c: (c.created_at, c.id))
    assert ids(session, world, "petugas", size=4, sort="terlama") == [c.id for c in oldest]


def test_probe_and_match_set_agree(session, world, monkeypatch):
    for i in range(25):
        words = ["petugas uang", "petugas", "pungutan liar", "liar"][i % 4]
        file(session, world, f"Laporan {i}", words, unit=world["own"] if i % 5 == 0 else None)
    answers = {}
    for label, few in (("match set", 10**9), ("probe", 0)):
        monkeypatch.setattr(queue, "FEW_MATCHES", {"sqlite": few, "postgresql": few})
        monkeypatch.setattr(queue, "PROBE_LIMIT", {"sqlite": 10**6, "postgresql": 10**6})
        monkeypatch.setattr(queue, "PROBE_WINDOW", 3)
        answers[label] = [
            ids(session, world, q, viewer=who, size=size, sort=sort)
            for q in ("petugas", "pungutan liar", "lia", "uang petugas", "zzqx")
            for who in ("inspector", "insider")
            for size in (2, 7)
            for sort in ("terbaru", "tenggat", "prioritas")
        ]
    assert answers["probe"] == answers["match set"]


def test_recusal_holds_in_search(session, world, probe_small):
    mine = file(session, world, "Di unit sendiri", "Petugas meminta uang", unit=world["own"])
    theirs = file(session, world, "Di unit lain", "Petugas meminta uang", minutes=1)
    assert ids(session, world, "petugas", viewer="insider") == [theirs.id]
    assert ids(session, world, "petugas", viewer="inspector") == [theirs.id, mine.id]
    counted = queue.counts(session, queue.QueueFilter(q="petugas"), world["insider"])
    assert counted.total == 1


def test_the_index_follows_title_and_body_changes(session, world, probe_small):
    complaint = file(session, world, "Judul kuno", "Isi lama tentang loket")
    complaint.title = "Judul baru"
    complaint.body = "Isi baru tentang parkir"
    session.commit()
    assert ids(session, world, "parkir") == [complaint.id]
    assert ids(session, world, "kuno") == []  # the old title is gone from the index
    assert ids(session, world, "baru judul") == [complaint.id]
    assert ids(session, world, "loket") == [complaint.id]  # still in the reporter's message


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "'",
        '"petugas',
        "petugas*",
        "* petugas",
        "NEAR(petugas uang)",
        "petugas NEAR uang",
        "-petugas",
        "doc:petugas",
        "thread : uang",
        "(petugas OR uang",
        "petugas AND NOT uang",
        "^petugas",
        "_",
        "__ _a_ b_",
        "petugas " * 500,
        "x" * 5000,
        "日本語 ünïcödé çà",
        "\x00\t\n",
        ") OR 1=1 --",
    ],
)
def test_hostile_queries_never_raise(session, world, probe_small, q):
    file(session, world, "Laporan", "Petugas meminta uang")
    f = queue.QueueFilter(q=q[:200])
    queue.page(session, f, world["inspector"])
    queue.page(session, queue.QueueFilter(q=q), world["inspector"])
