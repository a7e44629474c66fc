"""Run the task queue's real worker (django-tasks-db's `db_worker`) in this process until the queue is empty.

Tests that use it need `django_db(transaction=True)`: the worker commits and closes connections like the real
process does, which a test wrapped in one transaction cannot allow."""

from __future__ import annotations

from django.core.management import call_command


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--worker-id", "tests", verbosity=0)
