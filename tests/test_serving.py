"""The production web process: gunicorn reads gunicorn.conf.py, which freezes the start-up heap."""

from __future__ import annotations

import gc
from pathlib import Path

from gunicorn.app.base import Application

from portal.serving import freeze_startup_heap

CONFIG = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


class ConfigOnly(Application):
    """gunicorn reading its configuration file as it does at start-up, serving nothing."""

    def load_config(self) -> None:
        self.load_config_from_file(str(CONFIG))

    def init(self, parser, opts, args) -> None:  # pragma: no cover - the command line is unused
        return None

    def load(self) -> None:  # pragma: no cover - nothing is served
        return None


def test_gunicorn_runs_the_freeze_once_a_worker_has_loaded_the_portal(monkeypatch):
    frozen = []
    monkeypatch.setattr("portal.serving.freeze_startup_heap", lambda: frozen.append(True))
    ConfigOnly().cfg.post_worker_init(worker=None)
    assert frozen == [True]


def test_the_frozen_heap_is_left_out_of_collections():
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 0
        assert gc.get_count()[0] < 10  # start-up's garbage was collected before the freeze
    finally:
        gc.unfreeze()
