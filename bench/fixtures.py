"""Inputs shared by the benchmark scripts."""

from __future__ import annotations

import io

from PIL import Image


def photo(target_bytes: int = 200_000) -> bytes:
    """A noisy JPEG of about ``target_bytes`` with GPS in its EXIF (to be stripped)."""
    side = 420
    while True:
        image = Image.effect_noise((side, side), 80).convert("RGB")
        exif = Image.Exif()
        exif[0x8825] = {1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 0.0)}
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92, exif=exif)
        if out.tell() >= target_bytes:
            return out.getvalue()
        side += 60
