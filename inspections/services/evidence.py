"""Evidence files: checked by their content, stored privately, hashed, thumbnailed.

The browser's content type and the file's name are never trusted: the first
bytes decide what a file is, and an image must also open as one.
"""

import hashlib
import io
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from inspections.models import Evidence

Image.MAX_IMAGE_PIXELS = 80_000_000  # larger "photos" are refused as decompression bombs
THUMBNAIL_SIZE = (480, 480)
_HEAD = 64


@dataclass(frozen=True)
class FileType:
    kind: str
    content_type: str
    extension: str


def _ftyp_brand(head: bytes) -> bytes:
    return head[8:12] if head[4:8] == b"ftyp" else b""


def sniff(head: bytes) -> FileType | None:
    """What a file is, from its first bytes; None when it is none of the allowed types."""
    photo, video, audio, doc = (Evidence.Kind.PHOTO, Evidence.Kind.VIDEO,
                                Evidence.Kind.AUDIO, Evidence.Kind.DOCUMENT)
    if head.startswith(b"\xff\xd8\xff"):
        return FileType(photo, "image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType(photo, "image/png", "png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileType(photo, "image/webp", "webp")
    brand = _ftyp_brand(head)
    if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return FileType(photo, "image/heic", "heic")
    if brand in (b"M4A ", b"M4B "):
        return FileType(audio, "audio/mp4", "m4a")
    if brand == b"qt  ":
        return FileType(video, "video/quicktime", "mov")
    if brand:  # isom, mp41, mp42, avc1, 3gp4, 3gp5…: MP4 family
        return FileType(video, "video/mp4", "mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return FileType(video, "video/webm", "webm")
    if head.startswith(b"#!AMR"):
        return FileType(audio, "audio/amr", "amr")
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return FileType(audio, "audio/mpeg", "mp3")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return FileType(audio, "audio/wav", "wav")
    if head.startswith(b"%PDF-"):
        return FileType(doc, "application/pdf", "pdf")
    return None


ALLOWED_DESCRIPTION = "JPEG、PNG、WebP、HEIC 照片，MP4、MOV、WebM 视频，MP3、M4A、AMR、WAV 录音，PDF 文档"


def evidence_storage():
    """The storage the Evidence model reads its files from (the private "evidence" storage)."""
    return Evidence._meta.get_field("file").storage


def _mb(n_bytes):
    return f"{n_bytes / 1024 / 1024:.1f} MB"


@dataclass
class CheckedFile:
    upload: object
    type: FileType


def check_uploads(files, *, existing_count=0, existing_bytes=0) -> list[CheckedFile]:
    """Check every file before anything is written; all problems in one Chinese message list."""
    errors = []
    max_file = settings.EVIDENCE_MAX_FILE_MB * 1024 * 1024
    max_total = settings.EVIDENCE_MAX_FINDING_MB * 1024 * 1024
    if existing_count + len(files) > settings.EVIDENCE_MAX_FILES:
        errors.append(
            _("每个问题最多 %(n)d 个证据文件。") % {"n": settings.EVIDENCE_MAX_FILES}
        )
    total = existing_bytes
    checked = []
    for upload in files:
        name = upload.name
        if upload.size == 0:
            errors.append(_("“%(name)s”是空文件。") % {"name": name})
            continue
        if upload.size > max_file:
            errors.append(
                _("“%(name)s”有 %(size)s，超过单个文件 %(max)d MB 的上限。")
                % {"name": name, "size": _mb(upload.size), "max": settings.EVIDENCE_MAX_FILE_MB}
            )
            continue
        total += upload.size
        upload.seek(0)
        head = upload.read(_HEAD)
        upload.seek(0)
        file_type = sniff(head)
        if file_type is None:
            errors.append(
                _("“%(name)s”不是允许的文件类型（允许：%(allowed)s）。")
                % {"name": name, "allowed": ALLOWED_DESCRIPTION}
            )
            continue
        if file_type.kind == Evidence.Kind.PHOTO and file_type.content_type != "image/heic":
            try:
                with Image.open(upload) as image:
                    image.verify()
            except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
                errors.append(_("“%(name)s”不是完整的图片，无法打开。") % {"name": name})
                continue
            finally:
                upload.seek(0)
        checked.append(CheckedFile(upload, file_type))
    if total > max_total:
        errors.append(
            _("证据文件合计 %(size)s，超过每个问题 %(max)d MB 的上限。")
            % {"size": _mb(total), "max": settings.EVIDENCE_MAX_FINDING_MB}
        )
    if errors:
        raise ValidationError({"files": errors})
    return checked


def _thumbnail(upload) -> bytes | None:
    """A small JPEG for the gallery; it carries none of the original's metadata (GPS…)."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image = image.convert("RGB")
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)


def safe_name(name: str, extension: str) -> str:
    """The uploader's file name, reduced to something safe to offer back for download."""
    base = os.path.basename(name.replace("\\", "/"))
    stem = "".join(c for c in os.path.splitext(base)[0] if c.isprintable() and c not in '"<>|:*?')
    return f"{stem.strip()[:80] or 'evidence'}.{extension}"


@contextmanager
def removed_on_failure():
    """Collects the paths written inside the block; deletes them if the block fails.

    Use it outside the transaction (``with removed_on_failure() as written,
    transaction.atomic():``) so that a refused save leaves no file behind.
    """
    written: list[str] = []
    try:
        yield written
    except BaseException:
        storage = evidence_storage()
        for path in written:
            storage.delete(path)
        raise


def store_files(*, actor, checked: list[CheckedFile], written: list[str], **owner) -> list[Evidence]:
    """Write the checked files and their rows; ``owner`` is what they belong to (``finding=…``)."""
    storage = evidence_storage()
    rows = []
    for item in checked:
        upload, file_type = item.upload, item.type
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        month = timezone.now().strftime("%Y/%m")
        path = storage.save(f"evidence/{month}/{uuid.uuid4().hex}.{file_type.extension}", upload)
        written.append(path)
        thumb_path = ""
        if file_type.kind == Evidence.Kind.PHOTO:
            thumb = _thumbnail(upload)
            if thumb:
                thumb_path = storage.save(f"thumbs/{month}/{uuid.uuid4().hex}.jpg", ContentFile(thumb))
                written.append(thumb_path)
        rows.append(
            Evidence.objects.create(
                kind=file_type.kind, file=path, thumbnail=thumb_path,
                original_name=safe_name(upload.name, file_type.extension),
                content_type=file_type.content_type, size=upload.size,
                sha256=digest.hexdigest(), uploaded_by=actor, **owner,
            )
        )
    return rows
