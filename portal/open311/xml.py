"""Open311 XML, the spec's required format, built with xml.etree.

Every value goes in as element text, so the library escapes it; nothing is ever formatted into
markup by hand. Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates,
U+FFFE/U+FFFF) are dropped, so an odd byte in a category name cannot make the document invalid.
The document is schemaless and without a namespace, as the spec asks, and starts with a UTF-8
declaration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring  # noqa: S405 - building only

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# The element name for each member of a list, by the list's element name (the Spark convention).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for name, child in value.items():
            _fill(SubElement(element, name), child)
    elif isinstance(value, list | tuple):
        item = ITEM_TAGS[element.tag]
        for child in value:
            _fill(SubElement(element, item), child)
    else:
        element.text = _text(value)


def render_xml(root: str, payload: Any) -> bytes:
    """Return ``payload`` as an XML document whose root element is ``root``."""
    element = Element(root)
    _fill(element, payload)
    return DECLARATION + tostring(element, encoding="unicode").encode("utf-8")
