"""/api/v1/openapi.json: the hand-written OpenAPI 3.1 description of this API, served as JSON."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml
from flask import Response

from . import bp

DOCUMENT = Path(__file__).with_name("openapi.yaml")


@functools.cache
def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI document (read once per process)."""
    with DOCUMENT.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@bp.get("/openapi.json")
def openapi():
    """Serve the OpenAPI document."""
    body = json.dumps(openapi_document(), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
