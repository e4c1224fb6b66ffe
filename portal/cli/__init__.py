"""``flask --app portal …`` commands; each parses its input and calls one service."""

from __future__ import annotations

from flask import Flask

from .db import init_db_command, rebuild_statistics_command, seed_demo_command
from .lke import lke_cli
from .mail import mail_cli
from .users import create_user_command
from .volume import seed_volume_command
from .worker import worker_command


def register_commands(app: Flask) -> None:
    """Attach every command to ``app``."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(rebuild_statistics_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(lke_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(seed_volume_command)
