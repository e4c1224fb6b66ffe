"""What a long-running web process does once the portal is loaded (see gunicorn.conf.py).

Python's cyclic garbage collector now and then walks every tracked object. In a worker that
holds the portal (modules, ORM mappers, forms, translations: about a million objects) one such
full collection takes some 80 ms, and it lands inside whichever request happened to trigger it:
at a million complaints it was most of the queue's p95. What start-up built lives as long as
the process, so it is moved out of the collector's sight once; collections then walk only what
requests made since, and take a few milliseconds.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect start-up's garbage, then exempt everything left from future collections."""
    gc.collect()  # what start-up threw away must not be frozen with the rest
    gc.freeze()
