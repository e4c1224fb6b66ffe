"""The pick lists' cache: which statements make it read again, and when."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Unit
from models.enums import Eselon
from portal.services import choices
from tests.factories import gen_agency, gen_unit


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO unit (agency_id, name) VALUES (?, ?)",
        'UPDATE "category" SET active=? WHERE category.id = ?',
        "DELETE FROM unit WHERE unit.id = ?",
        'TRUNCATE "complaint", "unit" RESTART IDENTITY CASCADE',
        "ALTER TABLE unit ADD COLUMN x INTEGER",
        "DROP SCHEMA public CASCADE",
        "CREATE TABLE category (id INTEGER)",
    ],
)
def test_writes_to_listed_tables_and_ddl_invalidate(statement):
    assert choices._WRITE_TO_LISTED.match(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO complaint (code, unit_id, category_id) VALUES (?, ?, ?)",
        "INSERT INTO complaint_rollup (unit_id, month, dimension, key, count) VALUES (?, ?)",
        "UPDATE complaint SET unit_id=? WHERE complaint.id = ?",
        "INSERT INTO unit_assessment (unit_id) VALUES (?)",
        "DELETE FROM category_alias WHERE id = ?",
        "PRAGMA foreign_keys=ON",
        "SAVEPOINT sa_savepoint_1",
    ],
)
def test_other_statements_keep_the_lists(statement):
    assert not choices._WRITE_TO_LISTED.match(statement)


def test_a_write_invalidates_when_it_runs_and_when_it_ends(app, session):
    before = choices.generation()
    agency = gen_agency(session)
    gen_unit(session, agency, name="Direktorat Uji")
    after_write = choices.generation()
    assert after_write != before
    session.rollback()
    assert choices.generation() != after_write  # what was read meanwhile is thrown away too
    assert session.scalar(sa.select(sa.func.count(Unit.id))) == 0


def test_a_list_built_during_a_write_is_not_kept(app, session):
    built = []

    def build():
        built.append(1)
        choices.invalidate()  # a write lands while the list is being read
        return len(built)

    assert choices.memo(app, "probe-during-write", build) == 1
    assert choices.memo(app, "probe-during-write", build) == 2


def test_unit_choices_name_parents_as_the_source_does(app, session):
    agency = gen_agency(session)
    parent = gen_unit(session, agency, name="Direktorat Jenderal Uji", eselon=Eselon.I)
    parent.abbreviation = "Ditjen Uji"
    gen_unit(session, agency, name="Direktorat Anak", parent=parent)
    session.commit()
    listed = {u.name: u.display_name for u in choices.unit_choices(session)}
    assert listed["Direktorat Anak"] == "Direktorat Anak, Ditjen Uji"
