"""The baseline for bench/web_intake.py: a bare Flask app with the portal's complaint form.

It validates the same fields with Flask-WTF (CSRF included), inserts one row into one table and
redirects to /lapor/terkirim, nothing else: no categories, units, evidence, receipts or mail.
Settings come from the same variables as the portal's: ZI_DATABASE_URL and ZI_SECRET_KEY.

    gunicorn -w 2 -b 127.0.0.1:8000 --chdir bench bare_app:app
"""

from __future__ import annotations

import os
import secrets

import sqlalchemy as sa
from flask import Flask, redirect, render_template
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

metadata = sa.MetaData()
complaints = sa.Table(
    "bench_bare_complaint",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("unit", sa.String(200), nullable=False),
    sa.Column("category", sa.String(80), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("privacy", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
)

PAGE = """<!doctype html><title>Lapor</title>
<form method="post" enctype="multipart/form-data">
{{ form.csrf_token }}
{{ form.form_token }}
{% for field in form if field.name not in ("csrf_token", "form_token") %}
<p>{{ field.label }} {{ field() }} {{ field.errors|join(" ") }}</p>
{% endfor %}
<button>Kirim</button></form>"""


class ReportForm(FlaskForm):
    """The same fields as portal.public.forms.ReportForm, checked the same plain way."""

    unit = StringField("Unit", validators=[DataRequired(), Length(max=200)])
    unit_unknown = BooleanField("Tidak tahu")
    unit_choice = HiddenField()
    category = SelectField("Kategori", validate_choice=False, validators=[DataRequired()])
    title = StringField("Judul", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Uraian", validators=[DataRequired(), Length(min=20)])
    incident_date = StringField("Tanggal", validators=[Optional()])
    incident_place = StringField("Tempat", validators=[Length(max=200)])
    reported_party = StringField("Terlapor", validators=[Length(max=300)])
    privacy = RadioField(
        "Kerahasiaan",
        choices=[("rahasia", "Rahasia"), ("anonim", "Anonim"), ("terbuka", "Terbuka")],
    )
    contact_name = StringField("Nama", validators=[Length(max=120)])
    contact_email = StringField("Email", validators=[Length(max=254)])
    contact_phone = StringField("Telepon", validators=[Length(max=32)])
    consent = BooleanField("Benar", validators=[DataRequired()])
    website = StringField("Jangan isi")
    form_token = HiddenField()
    kept_files = HiddenField()


def make_engine(url: str) -> sa.Engine:
    """Return an engine; SQLite gets WAL and a busy timeout like the portal's."""
    engine = sa.create_engine(url, pool_pre_ping=True)
    if url.startswith("sqlite"):

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def init_db(url: str) -> None:
    """Create the one table (called once by the benchmark before the workers start)."""
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def create_app() -> Flask:
    """Return the bare app, configured from ZI_DATABASE_URL and ZI_SECRET_KEY."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("ZI_SECRET_KEY", "bare-bench-secret")
    engine = make_engine(os.environ.get("ZI_DATABASE_URL", "sqlite:///bare.db"))
    # Compiled once, as Flask does for any template file: render_template_string would compile
    # the page again on every request, which no real app does and which flattered the ratio.
    page = app.jinja_env.from_string(PAGE)

    @app.route("/lapor", methods=["GET", "POST"])
    def report():
        form = ReportForm()
        if form.validate_on_submit() and not form.website.data:
            with engine.begin() as connection:
                connection.execute(
                    complaints.insert().values(
                        token=form.form_token.data,
                        unit=form.unit.data,
                        category=form.category.data,
                        title=form.title.data,
                        description=form.description.data,
                        privacy=form.privacy.data,
                    )
                )
            return redirect("/lapor/terkirim")
        if not form.form_token.data:
            form.form_token.data = secrets.token_urlsafe(24)
        status = 422 if form.is_submitted() else 200
        return render_template(page, form=form), status

    @app.get("/lapor/terkirim")
    def sent():
        return "Terkirim"

    return app


app = create_app() if os.environ.get("ZI_DATABASE_URL") else None
