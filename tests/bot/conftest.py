"""The bot, offline: a recording HTTP layer in place of Telegram, real Update JSON fed in.

Each test gets a fresh Application on the test database; the database is committed before the
bot acts (the bot works in its own sessions, in worker threads).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot import FloodGuard, build_application
from portal.services.reference_data import ensure_categories
from tests.bot.telegram_fake import TOKEN, Harness, Person, RecordingRequest, SteadyClock
from tests.factories import gen_agency, gen_unit


@pytest.fixture
def telegram() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
def reference(session):
    """Categories and two units, committed (the bot reads them in its own sessions)."""
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Dalam Negeri")
    agency.abbreviation = "Kemendagri"
    dukcapil = gen_unit(session, agency, name="Direktorat Jenderal Kependudukan dan Catatan Sipil")
    dukcapil.abbreviation = "Dukcapil"
    keuangan = gen_unit(session, agency, name="Biro Keuangan")
    session.commit()
    return {"dukcapil": dukcapil.slug, "keuangan": keuangan.slug}


async def _start(app, telegram, flood) -> Harness:
    application = build_application(app, TOKEN, request=telegram, flood=flood)
    await application.initialize()
    return Harness(application, telegram)


@pytest_asyncio.fixture
async def bot(app, telegram, reference) -> AsyncIterator[Harness]:
    """The bot, initialised (getMe answered), people typing at a human pace."""
    harness = await _start(app, telegram, FloodGuard(clock=SteadyClock()))
    yield harness
    await harness.application.shutdown()


@pytest_asyncio.fixture
async def make_bot(app, telegram, reference):
    """Build further bots on the same database (a restart); shut down after the test."""
    started: list[Harness] = []

    async def build(flood: FloodGuard | None = None) -> Harness:
        harness = await _start(app, telegram, flood or FloodGuard(clock=SteadyClock()))
        started.append(harness)
        return harness

    yield build
    for harness in started:
        await harness.application.shutdown()


@pytest.fixture
def person() -> Person:
    return Person()
