"""Files sent to the bot: which ones can be evidence, their size before download, the download.

Telegram tells the size of a file before we fetch it, so files over the evidence limit are
refused without downloading a byte. Downloaded bytes go to the evidence pipeline as an
``Upload`` (type decided by content there, metadata stripped, original sealed); the name and
MIME type Telegram reports are only the client's claim. Voice notes (OGG/Opus) are not in the
evidence allow-list and are refused politely before any download.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from telegram import Bot, Message

from portal.services.evidence import Upload

MB = 1024 * 1024


@dataclass(frozen=True)
class FileRef:
    """A file as Telegram describes it: enough to fetch it again later (kept in drafts)."""

    id: str  # file_id: valid for this bot, across restarts
    uid: str  # file_unique_id: the same file sent twice has the same one
    name: str
    size: int | None
    kind: str  # photo | document | video | audio
    mime: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the reference as JSON-able data for the draft."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileRef:
        """Rebuild a reference stored in a draft."""
        return cls(
            id=str(data["id"]),
            uid=str(data["uid"]),
            name=str(data["name"]),
            size=data.get("size"),
            kind=str(data["kind"]),
            mime=data.get("mime"),
        )


def is_voice(message: Message) -> bool:
    """Return whether the message is a voice note (which cannot be evidence yet)."""
    return message.voice is not None


def file_of(message: Message, number: int) -> FileRef | None:
    """Return the evidence file a message carries (the largest size of a photo), if any.

    ``number`` names photos, which arrive without a name (``foto-3.jpg``).
    """
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return FileRef(
            largest.file_id,
            largest.file_unique_id,
            f"foto-{number}.jpg",
            largest.file_size,
            "photo",
            "image/jpeg",
        )
    if message.document is not None:
        doc = message.document
        return FileRef(
            doc.file_id,
            doc.file_unique_id,
            doc.file_name or f"dokumen-{number}",
            doc.file_size,
            "document",
            doc.mime_type,
        )
    if message.video is not None:
        video = message.video
        return FileRef(
            video.file_id,
            video.file_unique_id,
            video.file_name or f"video-{number}.mp4",
            video.file_size,
            "video",
            video.mime_type,
        )
    if message.video_note is not None:
        note = message.video_note
        return FileRef(
            note.file_id, note.file_unique_id, f"video-{number}.mp4", note.file_size, "video"
        )
    if message.audio is not None:
        audio = message.audio
        return FileRef(
            audio.file_id,
            audio.file_unique_id,
            audio.file_name or f"audio-{number}.mp3",
            audio.file_size,
            "audio",
            audio.mime_type,
        )
    return None


def megabytes(size: int) -> str:
    """Return a size in MB as people read it (``20``, ``20.5``)."""
    return f"{size / MB:.1f}".removesuffix(".0")


async def download(bot: Bot, ref: FileRef, max_bytes: int) -> Upload:
    """Fetch a file from Telegram as an ``Upload``; ValueError if it turns out too large."""
    remote = await bot.get_file(ref.id)
    if remote.file_size is not None and remote.file_size > max_bytes:
        raise ValueError("file over the size limit")
    content = bytes(await remote.download_as_bytearray())
    if len(content) > max_bytes:
        raise ValueError("file over the size limit")
    return Upload(filename=ref.name, content=content, declared_type=ref.mime)
