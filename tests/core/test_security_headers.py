"""Security headers and the production configuration: a Content-Security-Policy with nothing inline on every
page, HSTS and the HTTPS redirect when SITE_URL is https, and `manage.py check --deploy` clean in the
configuration docs/deployment.md documents."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import CityFactory, SeasonFactory

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_ROOT = REPO / "src" / "atomgrad"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


def documented_production_environment(tmp_path: Path) -> dict[str, str]:
    """The `export` lines of docs/deployment.md's production block, placeholders (`…`) made random secrets."""
    text = (REPO / "docs" / "deployment.md").read_text()
    section = text.split("## Production configuration", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    env = {key: value for key, value in os.environ.items()
           # (the browser tests' conftest allows the ORM beside Playwright's event loop: never in production)
           if key not in {"DATABASE_URL", "DEBUG", "SITE_URL", "SERVE_MEDIA", "DEMO_MODE", "PORT",
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    for line in section.splitlines():
        match = re.match(r"export (\w+)=(\S+)", line.strip())
        if match:
            env[match.group(1)] = match.group(2).replace("…", secrets.token_urlsafe(50))
    env.update(ATOMGRAD_VAR_DIR=str(tmp_path), PYTHONPATH=str(REPO / "src"),
               DJANGO_SETTINGS_MODULE="atomgrad.settings")
    return env


def test_check_deploy_is_clean_in_the_documented_production_configuration(tmp_path):
    env = documented_production_environment(tmp_path)
    assert env["SITE_URL"].startswith("https://") and "SECRET_KEY" in env
    result = subprocess.run([sys.executable, str(REPO / "src" / "manage.py"), "check", "--deploy",
                             "--fail-level", "WARNING"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_redirects_to_https_and_sends_hsts_and_csp(tmp_path):
    env = documented_production_environment(tmp_path)
    script = """
import django; django.setup()
from django.test import Client
client = Client()
plain = client.get("/api/openapi.json", HTTP_HOST="award.example.ru")
print(plain.status_code, plain.get("Location"))
secure = client.get("/api/openapi.json", HTTP_HOST="award.example.ru", HTTP_X_FORWARDED_PROTO="https")
print(secure.status_code)
print(secure["Strict-Transport-Security"])
print(secure["Content-Security-Policy"])
"""
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    redirect, status, hsts, csp = result.stdout.splitlines()
    assert redirect == "301 https://award.example.ru/api/openapi.json"
    assert status == "200"
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


@pytest.mark.django_db
def test_every_page_carries_a_csp_without_inline_code(client):
    season = SeasonFactory(phase="voting")
    city = CityFactory()
    season.cities.add(city)
    pages = ["/", reverse("core:rules"), reverse("core:login"), reverse("voting:login"), reverse("award:apply"),
             reverse("award:city_list"), reverse("award:city_detail", args=[city.slug]),
             reverse("results:season", args=[season.year]), "/admin/login/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
        assert "unsafe-inline" not in policy
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not STYLE_ATTRIBUTE.search(html), url
        assert not EVENT_HANDLER.search(html), url
        assert not STYLE_ELEMENT.search(html), url


def test_templates_have_no_inline_script_style_or_handlers():
    """Pages a test does not render are covered here: no template (e-mails aside: mail clients need inline
    styles and no browser policy applies) may hold inline code the policy would block."""
    offenders = []
    for template in TEMPLATE_ROOT.rglob("templates/**/*.html"):
        if "/email/" in template.as_posix():
            continue
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, STYLE_ATTRIBUTE, EVENT_HANDLER, STYLE_ELEMENT):
            if pattern.search(text):
                offenders.append(f"{template.relative_to(REPO)}: {pattern.pattern}")
    assert not offenders, offenders
