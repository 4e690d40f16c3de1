"""Checking uploaded evidence files: what they are, not what they are called.

Contract:
- `check_upload(file) -> CheckedUpload` reads the upload once and either returns the bytes to
  store (PDF as uploaded, images re-encoded so metadata such as EXIF/GPS is dropped) with their
  type, size and sha256, or raises `UploadRejected` (a ValidationError with a Chinese message).
- Accepted: PDF, JPEG, PNG, up to settings.PORTAL_UPLOAD_MAX_BYTES (default 10 MB). The type is
  taken from the content (magic bytes), never from the name. PDFs must open with pikepdf, be
  unencrypted, and contain no JavaScript, automatic actions (/OpenAction, /AA), /Launch actions
  or embedded files. Images above PORTAL_UPLOAD_MAX_PIXELS are refused (decompression bombs).
- `display_name(name)` is the original name reduced to display text: no path, no control
  characters, bounded length, and any ID-number-shaped run masked (people name scans after the
  holder's ID number; the name is stored in plaintext, security.md #20). It is never used to build
  a storage path.
"""

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

import filetype
import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from portal.crypto import mask_id_number

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
ALLOWED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
# Keys and action types that make a PDF active content.
_PDF_FORBIDDEN_KEYS = {"/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch", "/EmbeddedFiles", "/EmbeddedFile"}
_PDF_FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch"}
_TOO_MANY_PIXELS = "图片尺寸过大，请缩小后上传（建议长边不超过5000像素）。"
# 17 digits and a check character (digit or X), not part of a longer number.
_ID_IN_NAME = re.compile(r"(?<!\d)\d{17}[\dXxＸｘ](?![\dXxＸｘ])")


class UploadRejected(ValidationError):
    """The file is not acceptable evidence; the message says why, in Chinese."""


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    extension: str
    size: int
    sha256: str
    display_name: str


def max_bytes() -> int:
    return int(getattr(settings, "PORTAL_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "PORTAL_UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def display_name(name: str | None, *, limit: int = 120) -> str:
    """The uploaded name as safe display text: last path component, no control characters, ID
    numbers masked."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = unicodedata.normalize("NFC", name).strip().strip(".")
    name = _ID_IN_NAME.sub(lambda m: mask_id_number(m.group().upper()), name)
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: limit - len(ext) - 1] + "." + ext) if dot and len(ext) <= 8 else name[:limit]
    return name or _("未命名文件")


def _read_limited(upload, limit: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise UploadRejected(_("文件过大（最大%(mb)s MB），请压缩或分拆后上传。") % {"mb": limit // (1024 * 1024)},
                             code="too_large")
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(_("文件过大（最大%(mb)s MB），请压缩或分拆后上传。") % {"mb": limit // (1024 * 1024)},
                             code="too_large")
    if not data:
        raise UploadRejected(_("文件为空，请重新选择。"), code="empty")
    return data


def _pdf_active_content(root, seen: set) -> bool:
    """Whether anything reachable from `root` carries active content (iterative walk, so long
    outline or annotation chains cannot exhaust the stack)."""
    stack = [root]
    while stack:
        value = stack.pop()
        if isinstance(value, pikepdf.Dictionary | pikepdf.Stream):
            if value.is_indirect:
                key = value.objgen
                if key in seen:
                    continue
                seen.add(key)
            keys = set(value.keys())
            if keys & _PDF_FORBIDDEN_KEYS:
                return True
            for name, forbidden in (("/S", _PDF_FORBIDDEN_ACTIONS), ("/Type", {"/EmbeddedFile", "/Filespec"})):
                marker = value.get(name)
                if isinstance(marker, pikepdf.Name) and str(marker) in forbidden:
                    return True
            stack.extend(value[k] for k in keys)
        elif isinstance(value, pikepdf.Array):
            stack.extend(value)
    return False


def _check_pdf(data: bytes) -> None:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise UploadRejected(_("PDF文件已加密或设有密码，请上传未加密的文件。"), code="pdf_encrypted")
            seen: set = set()
            if _pdf_active_content(pdf.trailer, seen) or any(_pdf_active_content(obj, seen) for obj in pdf.objects):
                raise UploadRejected(
                    _("PDF文件含有脚本、自动操作或嵌入文件，出于安全原因不予接收。请用“打印为PDF”重新生成后上传。"),
                    code="pdf_active",
                )
    except pikepdf.PasswordError:
        raise UploadRejected(_("PDF文件已加密或设有密码，请上传未加密的文件。"), code="pdf_encrypted") from None
    except pikepdf.PdfError:
        raise UploadRejected(_("PDF文件已损坏，无法打开，请重新生成后上传。"), code="pdf_corrupt") from None


def _reencode_image(data: bytes, content_type: str) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels():
                raise UploadRejected(_(_TOO_MANY_PIXELS), code="too_many_pixels")
            image.load()
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if content_type == "image/jpeg":
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.save(out, format="JPEG", quality=90, optimize=True)
            else:
                if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    image = image.convert("RGBA")
                image.save(out, format="PNG", optimize=True)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(_(_TOO_MANY_PIXELS), code="too_many_pixels") from None
    except Exception:  # any decoder failure means a broken or disguised image
        raise UploadRejected(_("图片文件已损坏，无法打开，请重新导出后上传。"), code="image_corrupt") from None
    return out.getvalue()


def check_upload(upload) -> CheckedUpload:
    """Validate and normalise one uploaded file (see the module contract)."""
    data = _read_limited(upload, max_bytes())
    kind = filetype.guess(data)
    content_type = kind.mime if kind is not None else ""
    if content_type not in ALLOWED_TYPES:
        raise UploadRejected(_("只接受PDF、JPG、PNG格式的文件（按文件内容识别，修改扩展名无效）。"), code="type")
    if content_type == "application/pdf":
        _check_pdf(data)
    else:
        data = _reencode_image(data, content_type)
    return CheckedUpload(
        content=data,
        content_type=content_type,
        extension=ALLOWED_TYPES[content_type],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        display_name=display_name(getattr(upload, "name", "")),
    )
