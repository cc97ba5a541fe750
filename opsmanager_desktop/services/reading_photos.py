"""Reading photos: checked (a real image, not too big), stored in the database beside the
reading so every workstation sees them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models.readings import ReadingPhoto

# well under MySQL's default 16 MB packet and MEDIUMBLOB; a meter photo needs far less
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_FOLDER = "photos"
_BATCH_BYTES = 8 * 1024 * 1024

_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"),
)


def content_type(head: bytes) -> str | None:
    for magic, kind in _KINDS:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def data_problem(data: bytes) -> str | None:
    if not data:
        return "the photo is empty"
    if len(data) > MAX_PHOTO_BYTES:
        return (f"the photo has {len(data) / 1048576:.1f} MB; at most "
                f"{MAX_PHOTO_BYTES // 1048576} MB are kept (save it smaller)")
    if content_type(data[:16]) is None:
        return "the photo is not a JPEG, PNG, GIF or WebP image"
    return None


def resolve(folder: Path, name: str) -> Path | str:
    """The photo file named in an import row: a path relative to the import file's folder,
    or a bare file name found in the `photos` folder beside the import file. A name that
    leads outside that folder is refused."""
    base = folder.resolve()
    candidate = Path(name)
    if candidate.is_absolute() or ".." in candidate.parts:
        return f"{name!r} must be a file name in the import file's folder (no absolute path)"
    for place in (base / candidate, base / PHOTO_FOLDER / candidate):
        if place.is_file() and place.resolve().is_relative_to(base):
            with place.open("rb") as f:
                head = f.read(16)
            size = place.stat().st_size
            if size > MAX_PHOTO_BYTES:
                return (f"{name} has {size / 1048576:.1f} MB; at most "
                        f"{MAX_PHOTO_BYTES // 1048576} MB are kept")
            if size == 0 or content_type(head) is None:
                return f"{name} is not a JPEG, PNG, GIF or WebP image"
            return place
    return (f"no file {name!r} beside the import file (looked in {base} and "
            f"{base / PHOTO_FOLDER})")


def store_photos(session: Session, photos: Sequence[tuple[int, str, bytes | Path]],
                 now: datetime) -> int:
    """Insert (reading id, file name, bytes or file) in batches of a few MB, so a chunk of
    photos never sits in memory whole."""
    batch: list[dict[str, object]] = []
    size = stored = 0
    for reading_id, name, source in photos:
        data = source.read_bytes() if isinstance(source, Path) else source
        batch.append({"reading_id": reading_id, "file_name": name[:255],
                      "content_type": content_type(data[:16]) or "application/octet-stream",
                      "size": len(data), "data": data, "created_at": now})
        size += len(data)
        if size >= _BATCH_BYTES:
            session.execute(insert(ReadingPhoto), batch)
            stored += len(batch)
            batch, size = [], 0
    if batch:
        session.execute(insert(ReadingPhoto), batch)
        stored += len(batch)
    return stored
