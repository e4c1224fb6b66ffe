"""Inspectors' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from models.enums import Channel

from ..public.forms import ReportForm


class OfflineReportForm(ReportForm):
    """A complaint taken by phone, letter or in person; the reporter's choices are asked aloud."""

    channel = RadioField(
        _l("Diterima melalui"),
        choices=[
            SelectChoice(Channel.TELEPON.value, _l("Telepon")),
            SelectChoice(Channel.SURAT.value, _l("Surat")),
            SelectChoice(Channel.LANGSUNG.value, _l("Datang langsung")),
        ],
        default=Channel.TELEPON.value,
    )
