import pytest
from django.test import Client

# Every HTML page a test renders passes the Nu HTML checker (tests/html_checker.py).
pytest_plugins = ["tests.html_checker"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a fresh folder per test, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    from django.core.files.storage import storages

    storages._storages.pop("private", None)
    storages._storages.pop("default", None)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A FileField resolves a callable storage once, at import: point the petition field at the tmp storage too.
    from atomgrad.award.models import Application

    petition_field = Application._meta.get_field("petition")
    import_time_storage = petition_field.storage
    petition_field.storage = storages["private"]
    yield
    petition_field.storage = import_time_storage
    storages._storages.pop("private", None)
    storages._storages.pop("default", None)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Tests create many users; the production hasher costs about a second each on these machines."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client() -> Client:
    return Client()
