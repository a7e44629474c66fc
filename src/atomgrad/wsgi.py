"""WSGI entry point: `gunicorn atomgrad.wsgi` (see README.md, "Deployment")."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atomgrad.settings")
application = get_wsgi_application()
