import logging

import pytest


@pytest.fixture(autouse=True)
def _quiet_weasyprint():
    """WeasyPrint logs every layout step at INFO; keep test output readable."""
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The committee users of these tests log in with a password; hashing it slowly proves nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
