"""Checking and preparing the files of an application: the candidate's photo and the petition (PDF).

A file is judged by its content, never by its name or the content type the browser claims: a photo must open
in Pillow as JPEG, PNG or WebP and decode completely; a petition must start with the PDF signature and parse
with pypdf. Both are limited to `settings.UPLOAD_MAX_BYTES` (5 MB).

Accepted photos are re-encoded (EXIF orientation applied, colours converted to sRGB, at most
`PHOTO_OUTPUT_LONG_SIDE` pixels on the long side) into a fresh JPEG that carries no metadata at all: no EXIF
(camera, GPS position, time), no XMP, no ICC profile, no comments. Files are stored under random names so
nothing of the uploader's file name (often a person's name) reaches the disk.

`photo_prepare` / `petition_prepare` return `PreparedPhoto` / `PreparedPetition`; the application services
accept those as they are and prepare anything else themselves, so a form that already checked a file does not
decode it twice, and a caller that skips the form still cannot store an unchecked file.
"""

from __future__ import annotations

import contextlib
import io
import uuid
import warnings
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from atomgrad.core.errors import ApplicationError

PHOTO_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
PHOTO_MIN_SIDE = 200  # pixels; anything smaller cannot be shown on a candidate's page
PHOTO_MAX_SIDE = 12_000
# Checked from the header, before anything is decoded (decompression bombs). A JPEG is decoded at a reduced
# scale (1/2, 1/4 or 1/8: Pillow's draft mode, the DCT does it), so a 50-megapixel phone photo costs what
# a 12-megapixel one does; PNG and WebP have no reduced decoding, so what is decoded must itself fit
# PHOTO_DECODE_MAX_PIXELS (about 16 megapixels, 4608×3456; up to ~200 MB of memory while converting). A 7000×7000
# PNG of 190 KB, which once took a worker 600 MB, is refused before its pixels are read.
PHOTO_MAX_PIXELS = 50_000_000
PHOTO_DECODE_MAX_PIXELS = 16_000_000
PHOTO_OUTPUT_LONG_SIDE = 1600
PHOTO_JPEG_QUALITY = 85

PDF_MAGIC = b"%PDF-"


class UploadRejected(ApplicationError):
    """A file that cannot be accepted. `field` names the form field the message belongs to."""

    def __init__(self, code: str, message_ru: str, message_en: str, *, field: str, **details: Any) -> None:
        super().__init__(code, message_ru, message_en, status=422, details={"field": field, **details})
        self.field = field


class PreparedPhoto(ContentFile):
    """A checked, re-encoded JPEG photo without metadata, ready to be stored."""


class PreparedPetition(ContentFile):
    """A checked PDF petition, ready to be stored in the private storage."""


def _max_megabytes() -> str:
    megabytes = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
    return f"{megabytes:g}"


def _read_limited(upload: IO[bytes], *, field: str, what_ru: str, what_en: str) -> bytes:
    """The file's bytes, refusing an empty file or one over UPLOAD_MAX_BYTES without reading all of it."""
    limit = settings.UPLOAD_MAX_BYTES
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(field=field, what_ru=what_ru, what_en=what_en, size=declared)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(field=field, what_ru=what_ru, what_en=what_en, size=len(data))
    if not data:
        raise UploadRejected(
            f"{field}_empty",
            f"Файл {what_ru} пустой. Выберите файл ещё раз.",
            f"The {what_en} file is empty. Please choose the file again.",
            field=field,
        )
    return data


def _too_large(*, field: str, what_ru: str, what_en: str, size: int) -> UploadRejected:
    return UploadRejected(
        f"{field}_too_large",
        f"Файл {what_ru} больше {_max_megabytes()} МБ. Уменьшите его и загрузите снова.",
        f"The {what_en} file is larger than {_max_megabytes()} MB. Please make it smaller and upload it again.",
        field=field,
        size=size,
        max_bytes=settings.UPLOAD_MAX_BYTES,
    )


# --- photo ----------------------------------------------------------------------------------------------


def _photo_not_image() -> UploadRejected:
    return UploadRejected(
        "photo_not_image",
        "Этот файл не является фотографией. Загрузите изображение в формате JPEG, PNG или WebP.",
        "This file is not a photo. Please upload an image in JPEG, PNG or WebP format.",
        field="photo",
    )


def _photo_corrupt() -> UploadRejected:
    return UploadRejected(
        "photo_corrupt",
        "Файл фотографии повреждён или загружен не полностью. Сохраните фотографию заново и загрузите её ещё раз.",
        "The photo file is damaged or incomplete. Please save the photo again and upload it once more.",
        field="photo",
    )


def _photo_reduce(image: Image.Image) -> None:
    """Ask a JPEG to decode at the smallest DCT scale that still gives the output size (no-op for others)."""
    if image.format == "JPEG":
        image.draft("RGB", (PHOTO_OUTPUT_LONG_SIDE, PHOTO_OUTPUT_LONG_SIDE))


def photo_check_header(upload: IO[bytes]) -> None:
    """The cheap checks of a photo, from its size and header only (nothing is decoded): size on disk, format,
    dimensions and the pixel budget. A form runs these with its other fields; `photo_prepare` decodes later."""
    if isinstance(upload, PreparedPhoto):
        return
    data = _read_limited(upload, field="photo", what_ru="фотографии", what_en="photo")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        _photo_header(data)


def _photo_header(data: bytes) -> Image.Image:
    """The image opened lazily (its header read, no pixel decoded), refused if its format, dimensions or decoded
    size are not acceptable. Call with DecompressionBombWarning turned into an error."""
    try:
        header = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise _photo_not_image() from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _photo_too_many_pixels() from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise _photo_corrupt() from exc

    if header.format not in PHOTO_FORMATS:
        raise UploadRejected(
            "photo_format",
            f"Формат {header.format} не подходит. Загрузите фотографию в формате JPEG, PNG или WebP.",
            f"The {header.format} format is not accepted. Please upload a JPEG, PNG or WebP photo.",
            field="photo",
            format=header.format,
        )
    width, height = header.size
    if width > PHOTO_MAX_SIDE or height > PHOTO_MAX_SIDE or width * height > PHOTO_MAX_PIXELS:
        raise _photo_too_many_pixels(width=width, height=height)
    if min(width, height) < PHOTO_MIN_SIDE:
        raise UploadRejected(
            "photo_too_small",
            f"Фотография слишком маленькая ({width}×{height} пикселей). Нужно не меньше "
            f"{PHOTO_MIN_SIDE} пикселей по каждой стороне.",
            f"The photo is too small ({width}×{height} pixels). It must be at least {PHOTO_MIN_SIDE} pixels "
            "on each side.",
            field="photo",
            width=width,
            height=height,
        )
    _photo_reduce(header)
    decoded_width, decoded_height = header.size
    if decoded_width * decoded_height > PHOTO_DECODE_MAX_PIXELS:
        raise _photo_too_many_pixels(width=width, height=height)
    return header


def _photo_open(data: bytes) -> Image.Image:
    """Open and fully check an image from bytes; the returned image is decoded (loaded)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        header = _photo_header(data)
        try:
            header.verify()  # structural checks (PNG checksums and the like); the image is unusable afterwards
            image = Image.open(io.BytesIO(data))
            _photo_reduce(image)
            image.load()  # a full decode (at the reduced scale): catches truncated and damaged pixel data
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _photo_too_many_pixels() from exc
        except (OSError, ValueError, SyntaxError, EOFError, Image.UnidentifiedImageError) as exc:
            raise _photo_corrupt() from exc
    return image


def _photo_too_many_pixels(width: int | None = None, height: int | None = None) -> UploadRejected:
    size = f" ({width}×{height} пикселей)" if width and height else ""
    size_en = f" ({width}×{height} pixels)" if width and height else ""
    return UploadRejected(
        "photo_too_many_pixels",
        f"Изображение слишком большое{size}. Уменьшите его до 4000 пикселей по длинной стороне "
        "(или сохраните в JPEG) и загрузите снова.",
        f"The image is too large{size_en}. Please scale it down to 4000 pixels on the long side "
        "(or save it as JPEG) and upload it again.",
        field="photo",
    )


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert to plain sRGB (the ICC profile, if any, is applied and then dropped with everything else)."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in {"RGB", "CMYK"}:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to a plain conversion
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "#ffffff")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in {"I;16", "I;16B", "I;16L", "I"}:
        image = image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def photo_prepare(upload: IO[bytes]) -> PreparedPhoto:
    """Check a photo by its content and re-encode it as a metadata-free JPEG. Raises UploadRejected."""
    if isinstance(upload, PreparedPhoto):
        return upload
    data = _read_limited(upload, field="photo", what_ru="фотографии", what_en="photo")
    image = _photo_open(data)
    # Unreadable EXIF: keep the pixels as stored; the EXIF is dropped below anyway.
    with contextlib.suppress(OSError, ValueError, SyntaxError, KeyError, TypeError):
        image = ImageOps.exif_transpose(image)
    image = _to_srgb(image)
    image.thumbnail((PHOTO_OUTPUT_LONG_SIDE, PHOTO_OUTPUT_LONG_SIDE), Image.Resampling.LANCZOS)

    # A fresh image holds only pixels: no EXIF, XMP, ICC or comments can be carried over from `info`.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    output = io.BytesIO()
    clean.save(output, "JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True, progressive=True)
    return PreparedPhoto(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


# --- petition -------------------------------------------------------------------------------------------


def _petition_not_pdf() -> UploadRejected:
    return UploadRejected(
        "petition_not_pdf",
        "Ходатайство должно быть PDF-файлом, а этот файл — не PDF. Сохраните документ в PDF и загрузите снова.",
        "The petition must be a PDF file, and this file is not a PDF. Please save the document as PDF and "
        "upload it again.",
        field="petition",
    )


def _petition_corrupt() -> UploadRejected:
    return UploadRejected(
        "petition_corrupt",
        "PDF-файл ходатайства повреждён и не открывается. Сохраните документ в PDF заново и загрузите снова.",
        "The petition PDF is damaged and cannot be opened. Please save the document as PDF again and upload it.",
        field="petition",
    )


def petition_check_header(upload: IO[bytes]) -> None:
    """The cheap checks of a petition (size, the PDF signature); `petition_prepare` parses it later."""
    if isinstance(upload, PreparedPetition):
        return
    data = _read_limited(upload, field="petition", what_ru="ходатайства", what_en="petition")
    if not data.startswith(PDF_MAGIC):
        raise _petition_not_pdf()


def petition_prepare(upload: IO[bytes]) -> PreparedPetition:
    """Check a petition by its content: the PDF signature and a successful parse with at least one page."""
    if isinstance(upload, PreparedPetition):
        return upload
    data = _read_limited(upload, field="petition", what_ru="ходатайства", what_en="petition")
    if not data.startswith(PDF_MAGIC):
        raise _petition_not_pdf()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadRejected(
                "petition_encrypted",
                "PDF-файл ходатайства защищён паролем. Снимите пароль и загрузите файл снова.",
                "The petition PDF is password-protected. Please remove the password and upload it again.",
                field="petition",
            )
        pages = len(reader.pages)
    except UploadRejected:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, NotImplementedError) as exc:
        raise _petition_corrupt() from exc
    if pages < 1:
        raise _petition_corrupt()
    return PreparedPetition(data, name=f"{uuid.uuid4().hex}.pdf")
