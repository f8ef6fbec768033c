"""Evidence files: checked by their content, stored privately, hashed, thumbnailed.

The browser's content type and the file's name are never trusted: the first
bytes decide what a file is, and an image must also open as one.

The original is sealed by its SHA-256 and kept for the office and the people
who took it (policy: evidence.view_original). Everyone else who may see the
record gets what ``download_for`` says: a photo's copy made from its pixels
alone (no EXIF, GPS position or phone make and model), and a video, recording
or document only once the office has shared it.
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
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from core.permissions import require
from inspections.models import Evidence

# iPhones shoot HEIC: pillow-heif lets Pillow read it, so it gets a thumbnail and a clean copy.
register_heif_opener()
# Larger "photos" are refused (check_uploads says so); Pillow only warns between this and twice
# it, so the rule is ours, and Pillow's own limit stays as the backstop for what slips past.
MAX_PIXELS = 80_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
THUMBNAIL_SIZE = (480, 480)
COPY_MAX_SIDE = 2560  # the hall's copy: enough to see what was seen
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
        if file_type.kind == Evidence.Kind.PHOTO:
            try:
                with Image.open(upload) as image:
                    pixels = image.width * image.height
                    image.verify()
            except Image.DecompressionBombError:
                pixels = MAX_PIXELS + 1
            except (UnidentifiedImageError, OSError, SyntaxError):
                errors.append(_("“%(name)s”不是完整的图片，无法打开。") % {"name": name})
                continue
            finally:
                upload.seek(0)
            if pixels > MAX_PIXELS:
                errors.append(_("“%(name)s”超过 %(max)d 百万像素，无法作为照片保存，请缩小后再上传。")
                              % {"name": name, "max": MAX_PIXELS // 1_000_000})
                continue
        checked.append(CheckedFile(upload, file_type))
    if total > max_total:
        errors.append(
            _("证据文件合计 %(size)s，超过每个问题 %(max)d MB 的上限。")
            % {"size": _mb(total), "max": settings.EVIDENCE_MAX_FINDING_MB}
        )
    if errors:
        raise ValidationError({"files": errors})
    return checked


def _from_pixels(upload, max_side: int, quality: int) -> bytes | None:
    """A JPEG drawn from the photo's pixels alone: turned upright by its EXIF orientation, then
    saved without EXIF, GPS, XMP, ICC or any other block of the original (Pillow writes only
    what it is given). None when the photo cannot be decoded."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((max_side, max_side))
            image.info = {}  # Pillow would write the original's comment (COM) back otherwise
            out = io.BytesIO()
            image.save(out, "JPEG", quality=quality)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)


def _thumbnail(upload) -> bytes | None:
    """A small JPEG for the gallery."""
    return _from_pixels(upload, THUMBNAIL_SIZE[0], 80)


def clean_copy(upload) -> bytes | None:
    """The copy of a photo that everyone but the office and its takers gets."""
    return _from_pixels(upload, COPY_MAX_SIDE, 90)


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


def store_files(*, actor, checked: list[CheckedFile], written: list[str], hall, from_hall: bool = False,
                finding=None) -> list[Evidence]:
    """Write the checked files and their rows. ``hall`` is the hall they are about; ``from_hall``
    says the hall gave them itself (self-inspection, proof of rectification); ``finding`` is the
    finding they belong to, if any (proof and revisit evidence are linked by their records)."""
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
        derived = {"thumbnail": "", "copy": ""}
        if file_type.kind == Evidence.Kind.PHOTO:
            for name, make, folder in (("thumbnail", _thumbnail, "thumbs"), ("copy", clean_copy, "copies")):
                content = make(upload)
                if content:
                    derived[name] = storage.save(f"{folder}/{month}/{uuid.uuid4().hex}.jpg", ContentFile(content))
                    written.append(derived[name])
        rows.append(
            Evidence.objects.create(
                kind=file_type.kind, file=path, **derived,
                original_name=safe_name(upload.name, file_type.extension),
                content_type=file_type.content_type, size=upload.size,
                sha256=digest.hexdigest(), uploaded_by=actor, hall=hall, from_hall=from_hall, finding=finding,
            )
        )
    return rows


# --- What each person gets -----------------------------------------------------------------

@dataclass(frozen=True)
class Served:
    """The file a person downloads for a piece of evidence, and how it is named to them."""

    file: object
    filename: str
    content_type: str
    size: int
    original: bool
    sha256: str = ""  # the original's seal, for those who have the original


def download_for(user, evidence: Evidence) -> Served | None:
    """The original, the clean copy of a photo, a shared file, or None (the person may see the
    record but not this piece of evidence). Those who do not get the original see neither the
    uploader's file name nor its seal: a neutral name stands for it."""
    if user.has_perm("evidence.view_original", evidence):
        return Served(evidence.file, evidence.original_name, evidence.content_type, evidence.size, True,
                      evidence.sha256)
    neutral = f"{evidence.code}"
    if evidence.copy:
        return Served(evidence.copy, f"{neutral}.jpg", "image/jpeg", evidence.copy.size, False)
    if evidence.kind != Evidence.Kind.PHOTO and evidence.shared_with_hall:
        extension = evidence.original_name.rsplit(".", 1)[-1] if "." in evidence.original_name else "bin"
        return Served(evidence.file, f"{neutral}.{extension}", evidence.content_type, evidence.size, False)
    return None


@transaction.atomic
def evidence_share(*, actor, evidence: Evidence, shared: bool) -> Evidence:
    """The office lets the inspected hall have a video, recording or document (photos are always
    shared as their clean copy, never as the original)."""
    require(actor, "evidence.share", evidence)
    if evidence.kind == Evidence.Kind.PHOTO:
        raise ValidationError(_("照片只向被督查单位提供去除位置和设备信息的副本，无需共享原件。"))
    evidence.shared_with_hall = shared
    evidence.save(update_fields=["shared_with_hall"])
    return evidence
