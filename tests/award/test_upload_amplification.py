"""Upload amplification on /apply/: a small file that decodes to a huge image must be refused from its header,
nothing is decoded before the cheap fields are valid, and POSTs are limited per client address."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageFile

from atomgrad.award.models import Application
from atomgrad.award.uploads import PHOTO_OUTPUT_LONG_SIDE, photo_prepare
from tests.award.apply_support import (
    consent_document,
    form_data,
    open_season,
    petition_upload,
    photo_upload,
    stored_files,
)
from tests.factories import SphereFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def season():  # type: ignore[no-untyped-def]
    consent_document()
    return open_season()


@pytest.fixture
def sphere():  # type: ignore[no-untyped-def]
    return SphereFactory()


@pytest.fixture
def decodes(monkeypatch):  # type: ignore[no-untyped-def]
    """Records the size of every image whose pixels Pillow decodes (the real `load` still runs)."""
    seen: list[tuple[int, int]] = []
    real_load = ImageFile.ImageFile.load

    def load(self):  # type: ignore[no-untyped-def]
        if self.tile:  # pixels still to decode
            seen.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return seen


def png_7000() -> bytes:
    """A real 7000×7000 PNG, a few kilobytes on disk (one bit per pixel, one colour): 49 megapixels decoded."""
    buffer = io.BytesIO()
    Image.new("1", (7000, 7000), 1).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def test_a_7000_by_7000_png_is_refused_from_its_header_without_decoding(client, season, sphere, decodes):
    data = png_7000()
    assert len(data) < 200_000
    response = client.post("/apply/", form_data(season, sphere, photo=photo_upload(data, "bomb.png", "image/png")))
    assert response.status_code == 200
    assert "Изображение слишком большое (7000×7000 пикселей)" in response.content.decode()
    assert decodes == []
    assert not Application.objects.exists() and not stored_files()


def test_nothing_is_decoded_while_a_cheap_field_is_wrong(client, season, sphere, decodes):
    png = io.BytesIO()
    Image.new("RGB", (1200, 1200), "#336699").save(png, "PNG")
    photo = photo_upload(png.getvalue(), "ok.png", "image/png")
    response = client.post("/apply/", form_data(season, sphere, photo=photo, consent=None))
    assert response.status_code == 200 and not Application.objects.exists()
    assert "согласие" in response.content.decode().lower()
    assert decodes == []  # the consent box was empty: the photo was never decoded

    response = client.post("/apply/", form_data(season, sphere, photo=photo_upload(png.getvalue(), "ok.png",
                                                                                  "image/png")))
    assert response.status_code == 302 and Application.objects.count() == 1
    assert decodes == [(1200, 1200)]  # decoded once, when everything else was valid


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(decodes):
    buffer = io.BytesIO()
    Image.new("L", (8000, 6000), 128).save(buffer, "JPEG", quality=70)
    prepared = photo_prepare(photo_upload(buffer.getvalue()))
    [decoded] = decodes
    assert decoded[0] * decoded[1] <= 8000 * 6000 // 4  # at most a quarter of the pixels were decoded
    assert min(decoded) >= PHOTO_OUTPUT_LONG_SIDE // 2
    assert max(Image.open(io.BytesIO(prepared.read())).size) == PHOTO_OUTPUT_LONG_SIDE


def test_pillow_refuses_bombs_process_wide():
    from atomgrad.award.uploads import PHOTO_MAX_PIXELS

    assert Image.MAX_IMAGE_PIXELS == PHOTO_MAX_PIXELS


def test_apply_posts_are_limited_per_address(client, season, sphere, settings, decodes):
    settings.APPLY_POSTS_PER_ADDRESS_PER_HOUR = 3
    for _ in range(3):  # three posts with a mistake each: counted, answered normally
        response = client.post("/apply/", form_data(season, sphere, consent=None), REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 200
    response = client.post("/apply/", form_data(season, sphere, full_name="Сидорова Мария Павловна"),
                           REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Слишком много запросов с вашего адреса" in page
    assert "Сидорова Мария Павловна" in page  # what was typed is shown again
    assert decodes == [] and not Application.objects.exists()
    # another address is not affected; an IPv6 subscriber counts by its /64
    response = client.post("/apply/", form_data(season, sphere), REMOTE_ADDR="203.0.113.10")
    assert response.status_code == 302
    for suffix in ("1", "2", "3"):
        client.post("/apply/", form_data(season, sphere, consent=None), REMOTE_ADDR=f"2001:db8:1:2::{suffix}")
    response = client.post("/apply/", form_data(season, sphere, consent=None), REMOTE_ADDR="2001:db8:1:2::ffff")
    assert response.status_code == 429


def test_the_petition_is_parsed_only_when_everything_else_is_valid(client, season, sphere, monkeypatch):
    from atomgrad.award import uploads

    parsed: list[int] = []
    real_reader = uploads.PdfReader

    def reader(*args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(1)
        return real_reader(*args, **kwargs)

    monkeypatch.setattr(uploads, "PdfReader", reader)
    collective = {"nomination_kind": "labour_collective", "nominator_name": "Коллектив школы № 7",
                  "candidate_consent": "on"}
    response = client.post("/apply/", form_data(season, sphere, consent=None, petition=petition_upload(),
                                                **collective))
    assert response.status_code == 200 and parsed == []  # the consent box was empty: no PDF parsed
    response = client.post("/apply/", form_data(season, sphere, petition=petition_upload(), **collective))
    assert response.status_code == 302 and parsed == [1]
