"""Shared helpers of the application tests (test_eligibility, test_apply, test_uploads): files made with
Pillow and pypdf, a season open for applications, and the arguments of a valid application."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from atomgrad.award.models import ConsentKind, NominationKind
from tests.factories import CityFactory, ConsentDocumentFactory, SeasonFactory, SphereFactory

VALID_NAME = "Петрова Алёна Сергеевна"
VALID_BIRTH_DATE = dt.date(1984, 5, 17)


def jpeg_bytes(size: tuple[int, int] = (480, 640), *, exif: Image.Exif | None = None, color: str = "#3366aa",
               quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    image.paste(Image.new("RGB", (size[0] // 2, size[1] // 4), "#ffcc00"), (0, 0))  # a marker in the top-left
    if exif is not None:
        image.save(buffer, "JPEG", quality=quality, exif=exif.tobytes())
    else:
        image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (400, 400), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    color: Any = (200, 30, 30, 120) if mode == "RGBA" else "#aa3344"
    Image.new(mode, size, color).save(buffer, fmt)
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def photo_upload(data: bytes | None = None, name: str = "portrait.jpg", content_type: str = "image/jpeg"
                 ) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else jpeg_bytes(), content_type=content_type)


def petition_upload(data: bytes | None = None, name: str = "petition.pdf", content_type: str = "application/pdf"
                    ) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else pdf_bytes(), content_type=content_type)


def open_season(**kwargs: Any) -> Any:
    """A season whose applications are open now, with one participating city, a sphere and the consent text."""
    city = kwargs.pop("city", None) or CityFactory()
    season = SeasonFactory(phase="applications", cities=[city], **kwargs)
    return season


def consent_document() -> Any:
    return ConsentDocumentFactory(kind=ConsentKind.APPLICATION, version="test-1",
                                  text="Я даю согласие на обработку персональных данных.\n\nВторой абзац.")


def service_arguments(season: Any, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments of a valid `application_submit` call (self-nomination)."""
    city = overrides.pop("city", None) or season.cities.first()
    sphere = overrides.pop("sphere", None) or SphereFactory()
    arguments: dict[str, Any] = {
        "season": season,
        "city": city,
        "sphere": sphere,
        "full_name": VALID_NAME,
        "birth_date": VALID_BIRTH_DATE,
        "workplace": "Школа № 7",
        "position": "учитель физики",
        "story": "Двадцать лет учит детей физике и ведёт кружок робототехники.",
        "phone": "8 (900) 123-45-67",
        "email": "alena@Example.ORG",
        "photo": photo_upload(),
        "nomination_kind": NominationKind.SELF,
        "consent_given": True,
        "consent_ip": "203.0.113.7",
    }
    arguments.update(overrides)
    return arguments


def form_data(season: Any, sphere: Any, **overrides: Any) -> dict[str, Any]:
    """POST data of a valid application form (self-nomination) including the photo."""
    data: dict[str, Any] = {
        "nomination_kind": "self",
        "full_name": VALID_NAME,
        "birth_date": VALID_BIRTH_DATE.isoformat(),
        "city": season.cities.first().pk,
        "workplace": "Школа № 7",
        "position": "учитель физики",
        "sphere": sphere.pk,
        "story": "Двадцать лет учит детей физике\r\nи ведёт кружок робототехники.",
        "photo": photo_upload(),
        "phone": "+7 900 123-45-67",
        "email": "alena@example.org",
        "nominator_name": "",
        "consent": "on",
        "consent_version": "test-1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def stored_files() -> list[Path]:
    """Every file in MEDIA_ROOT and PRIVATE_MEDIA_ROOT (the conftest points both at a fresh tmp folder)."""
    files: list[Path] = []
    for root in (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)):
        if root.exists():
            files.extend(path for path in root.rglob("*") if path.is_file())
    return files
