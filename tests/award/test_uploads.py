"""Uploads judged by content: bad files through real HTTP POSTs show a message on their field, keep the other
fields filled and save nothing; accepted photos are re-encoded without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from atomgrad.award import uploads
from atomgrad.award.models import Application
from atomgrad.award.uploads import PreparedPhoto, UploadRejected, petition_prepare, photo_prepare
from tests.award.apply_support import (
    consent_document,
    form_data,
    image_bytes,
    jpeg_bytes,
    open_season,
    pdf_bytes,
    petition_upload,
    photo_upload,
    stored_files,
)
from tests.factories import SphereFactory

pytestmark = pytest.mark.django_db

FIVE_MB = 5 * 1024 * 1024


@pytest.fixture
def season():
    consent_document()
    return open_season()


@pytest.fixture
def sphere():
    return SphereFactory(name_ru="Образование")


def post(client, season, sphere, **overrides):
    return client.post("/apply/", form_data(season, sphere, **overrides))


def assert_refused_and_kept(response, *, message: str) -> str:
    """The form comes back with the message, the other fields still filled, and nothing stored."""
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'role="alert"' in page
    assert 'value="Петрова Алёна Сергеевна"' in page
    assert 'value="Школа № 7"' in page
    assert "ведёт кружок робототехники" in page
    assert 'value="alena@example.org"' in page
    assert "выберите ещё раз" in page
    assert Application.objects.count() == 0
    assert stored_files() == []
    return page


# --- bad photos -------------------------------------------------------------------------------------------


def test_a_jpg_that_is_really_a_text_file(client, season, sphere):
    fake = photo_upload(b"This is not a photo at all, just some text.\n" * 20, name="me.jpg")
    response = post(client, season, sphere, photo=fake)
    assert_refused_and_kept(response, message="Этот файл не является фотографией")


def test_a_pdf_renamed_jpg(client, season, sphere):
    response = post(client, season, sphere, photo=photo_upload(pdf_bytes(), name="photo.jpg"))
    assert_refused_and_kept(response, message="Этот файл не является фотографией")


def test_a_corrupt_image(client, season, sphere):
    truncated = jpeg_bytes((800, 1000))[:3000]
    response = post(client, season, sphere, photo=photo_upload(truncated))
    assert_refused_and_kept(response, message="Файл фотографии повреждён")


def test_a_photo_over_five_megabytes(client, season, sphere):
    big = jpeg_bytes() + b"\0" * (FIVE_MB + 1)
    response = post(client, season, sphere, photo=photo_upload(big))
    assert_refused_and_kept(response, message="больше 5 МБ")


def test_a_photo_of_exactly_five_megabytes_is_accepted(client, season, sphere):
    photo = jpeg_bytes()
    exactly = photo + b"\0" * (FIVE_MB - len(photo))  # bytes after the JPEG end marker are ignored by decoders
    response = post(client, season, sphere, photo=photo_upload(exactly))
    assert response.status_code == 302
    assert Application.objects.count() == 1


def test_an_image_in_another_format(client, season, sphere):
    gif = photo_upload(image_bytes("GIF"), name="photo.gif", content_type="image/gif")
    page = assert_refused_and_kept(post(client, season, sphere, photo=gif), message="Формат GIF не подходит")
    assert "JPEG, PNG или WebP" in page


def test_a_tiny_image(client, season, sphere):
    tiny = photo_upload(jpeg_bytes((120, 90)))
    assert_refused_and_kept(post(client, season, sphere, photo=tiny), message="Фотография слишком маленькая")


def test_a_missing_photo(client, season, sphere):
    data = form_data(season, sphere)
    del data["photo"]
    response = client.post("/apply/", data)
    assert response.status_code == 200
    assert Application.objects.count() == 0


# --- bad petitions ----------------------------------------------------------------------------------------


def nominated_by_collective(**overrides):
    values = {"nomination_kind": "labour_collective", "nominator_name": "АО «Опытный завод»",
              "candidate_consent": "on"}
    values.update(overrides)
    return values


def test_an_image_renamed_pdf(client, season, sphere):
    fake = petition_upload(jpeg_bytes(), name="petition.pdf")
    response = post(client, season, sphere, **nominated_by_collective(petition=fake))
    page = assert_refused_and_kept(response, message="Ходатайство должно быть PDF-файлом")
    assert 'value="АО «Опытный завод»"' in page or "АО «Опытный завод»" in page


def test_a_petition_over_five_megabytes(client, season, sphere):
    big = petition_upload(pdf_bytes() + b"%" * (FIVE_MB + 1))
    response = post(client, season, sphere, **nominated_by_collective(petition=big))
    assert_refused_and_kept(response, message="больше 5 МБ")


def test_a_corrupt_pdf(client, season, sphere):
    broken = petition_upload(b"%PDF-1.7\n" + b"\x00\x13garbage" * 200)
    response = post(client, season, sphere, **nominated_by_collective(petition=broken))
    assert_refused_and_kept(response, message="PDF-файл ходатайства повреждён")


def test_a_good_petition_with_a_bad_photo_saves_neither(client, season, sphere):
    response = post(client, season, sphere, photo=photo_upload(b"text", name="x.jpg"),
                    **nominated_by_collective(petition=petition_upload()))
    assert_refused_and_kept(response, message="Этот файл не является фотографией")


def test_a_good_petition_is_stored_privately(client, season, sphere, settings):
    response = post(client, season, sphere, **nominated_by_collective(petition=petition_upload(name="Протокол.pdf")))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.petition.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert "Протокол" not in application.petition.name  # stored under a random name
    assert application.petition.name.endswith(".pdf")


# --- what is stored ---------------------------------------------------------------------------------------


def exif_with_gps_and_rotation() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0110] = "Model 7"  # Model
    exif[0x0131] = "Secret Editor 1.0"  # Software
    exif[0x0132] = "2026:05:01 12:00:00"  # DateTime
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (55.0, 45.0, 0.0)
    gps[3] = "E"
    gps[4] = (37.0, 37.0, 0.0)
    return exif


def test_exif_is_stripped_and_orientation_applied(client, season, sphere):
    original = jpeg_bytes((800, 600), exif=exif_with_gps_and_rotation())
    assert Image.open(io.BytesIO(original)).getexif()[0x010F] == "SpyCam Inc."
    response = post(client, season, sphere, photo=photo_upload(original, name="IMG_0001 Петрова.jpg"))
    assert response.status_code == 302

    application = Application.objects.get()
    with application.photo.open("rb") as stored_file:
        stored_bytes = stored_file.read()
    stored = Image.open(io.BytesIO(stored_bytes))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert "exif" not in stored.info and "icc_profile" not in stored.info and "xmp" not in stored.info
    assert b"SpyCam" not in stored_bytes and b"Secret Editor" not in stored_bytes
    assert stored.size == (600, 800)  # the orientation was applied to the pixels
    # The marker painted in the top-left of the stored pixels is now at the top-right after the rotation.
    assert stored.convert("RGB").getpixel((590, 10))[0] > 200
    assert "Петрова" not in application.photo.name and "IMG_0001" not in application.photo.name


def test_a_large_photo_is_scaled_down(client, season, sphere):
    response = post(client, season, sphere, photo=photo_upload(jpeg_bytes((4000, 3000), quality=60)))
    assert response.status_code == 302
    with Application.objects.get().photo.open("rb") as stored_file:
        stored = Image.open(stored_file)
        assert max(stored.size) == uploads.PHOTO_OUTPUT_LONG_SIDE
        assert stored.size == (1600, 1200)


@pytest.mark.parametrize(("fmt", "mode", "name"), [("PNG", "RGBA", "photo.png"), ("WEBP", "RGB", "photo.webp")])
def test_png_and_webp_are_accepted_and_stored_as_jpeg(client, season, sphere, fmt, mode, name):
    upload = photo_upload(image_bytes(fmt, (500, 500), mode=mode), name=name, content_type="application/octet-stream")
    response = post(client, season, sphere, photo=upload)
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.photo.name.endswith(".jpg")
    with application.photo.open("rb") as stored_file:
        assert Image.open(stored_file).format == "JPEG"


# --- the functions themselves -----------------------------------------------------------------------------


def test_a_declared_content_type_does_not_matter():
    with pytest.raises(UploadRejected) as caught:
        photo_prepare(photo_upload(b"<html>hi</html>", name="photo.jpg", content_type="image/jpeg"))
    assert caught.value.code == "photo_not_image"
    assert caught.value.field == "photo"
    prepared = photo_prepare(photo_upload(jpeg_bytes(), name="photo.txt", content_type="text/plain"))
    assert isinstance(prepared, PreparedPhoto)


def test_a_prepared_photo_is_not_prepared_twice():
    prepared = photo_prepare(photo_upload())
    assert photo_prepare(prepared) is prepared


def test_an_image_with_too_many_pixels_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(uploads, "PHOTO_MAX_SIDE", 500)
    with pytest.raises(UploadRejected) as caught:
        photo_prepare(photo_upload(jpeg_bytes((600, 400))))
    assert caught.value.code == "photo_too_many_pixels"


def test_a_password_protected_pdf_is_refused():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("only-the-author-knows")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UploadRejected) as caught:
        petition_prepare(petition_upload(buffer.getvalue()))
    assert caught.value.code == "petition_encrypted"


def test_an_empty_file_is_refused():
    with pytest.raises(UploadRejected) as caught:
        petition_prepare(petition_upload(b""))
    assert caught.value.code == "petition_empty"


def test_a_multi_page_pdf_is_accepted_as_is():
    data = pdf_bytes(pages=3)
    assert petition_prepare(petition_upload(data)).read() == data
