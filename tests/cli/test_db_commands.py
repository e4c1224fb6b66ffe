"""The database commands an operator runs: init-db, seed-demo, create-user."""

from __future__ import annotations

import sqlalchemy as sa

from models import Agency, Category, User


def test_init_db_applies_migrations_and_categories(app, session):
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "database ready" in result.output
    slugs = set(session.scalars(sa.select(Category.slug)))
    assert {"korupsi", "suap", "maladministrasi", "penundaan-berlarut", "aspirasi"} <= slugs
    korupsi = session.scalar(sa.select(Category).where(Category.slug == "gratifikasi"))
    assert korupsi.is_integrity and korupsi.default_privacy.value == "rahasia"


def test_seed_demo_is_idempotent(app, session):
    runner = app.test_cli_runner()
    assert "demo data loaded" in runner.invoke(args=["seed-demo"]).output
    assert "already present" in runner.invoke(args=["seed-demo"]).output
    assert "skipped" in runner.invoke(args=["seed-demo", "--if-empty"]).output
    assert session.scalar(sa.select(sa.func.count(Agency.id))) == 1
    users = session.scalars(sa.select(User)).all()
    assert sorted(r.value for u in users for r in u.roles) == [
        "admin_zi",
        "inspektur",
        "koordinator",
        "tpi",
        "tpn",
    ]


def test_create_user_takes_the_password_from_the_environment(app, session, monkeypatch):
    monkeypatch.setenv("ZI_NEW_USER_PASSWORD", "sangat-rahasia-123")
    result = app.test_cli_runner().invoke(
        args=["create-user", "--role", "inspektur", "--role", "koordinator", "Ani@Uji.test"]
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User).where(User.email == "ani@uji.test"))
    assert {r.value for r in user.roles} == {"inspektur", "koordinator"}
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_refuses_a_weak_password(app, monkeypatch):
    monkeypatch.setenv("ZI_NEW_USER_PASSWORD", "pendek")
    result = app.test_cli_runner().invoke(args=["create-user", "--role", "tpn", "a@b.test"])
    assert result.exit_code == 2
    assert "minimal 12 karakter" in result.output


def test_create_user_refuses_an_unknown_role(app):
    result = app.test_cli_runner().invoke(args=["create-user", "--role", "raja", "a@b.test"])
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
