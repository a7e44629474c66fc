"""End to end, the way the outside check attacks: a farm of consecutive numbers logs in and votes through the
public API (code by SMS, verify, vote) within a minute, beside a simulated organic vote; after the close its
votes are in `integrity_report`."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from atomgrad.award.models import Season
from atomgrad.integrity.simulator import scenarios
from atomgrad.integrity.simulator.plan import CityShape
from atomgrad.integrity.simulator.runner import run_plan
from tests.integrity.support import sim_season
from tests.voting.otp_support import last_code, sms_file  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_a_farm_voting_through_the_api_is_in_the_report_after_the_close(sms_file, settings,  # noqa: F811
                                                                          django_capture_on_commit_callbacks):
    settings.OTP_RESEND_INTERVAL_SECONDS = 0
    sim = sim_season({"sarov": 10, "ozersk": 6})
    season = sim.season
    now = timezone.now()
    cities = [CityShape("sarov", 10, 300), CityShape("ozersk", 6, 180)]
    organic = scenarios.SCENARIOS["organic"](cities, seed=11, start=season.voting_open_at,
                                             end=now - dt.timedelta(hours=1), scale=1.0)
    run_plan(season=season, plan=organic)

    farm_positions = []
    targets = [sim.candidates["sarov"][3].pk, sim.candidates["sarov"][7].pk]
    for index in range(30):
        phone = f"+7912345{67_00 + index:04d}"
        client = Client(REMOTE_ADDR=f"203.0.113.{10 + index % 4}", HTTP_USER_AGENT="python-requests/2.31.0")
        with django_capture_on_commit_callbacks(execute=True):
            sent = client.post("/api/v1/auth/code", {"phone": phone}, content_type="application/json")
        assert sent.status_code == 202, sent.content
        verified = client.post("/api/v1/auth/verify", {"phone": phone, "code": last_code(sms_file, phone),
                                                       "city": "sarov", "consent": True},
                               content_type="application/json")
        assert verified.status_code == 200, verified.content
        token = verified.json()["token"]
        for candidate in targets:
            voted = client.post("/api/v1/votes", {"candidate": candidate}, content_type="application/json",
                                headers={"Authorization": f"Bearer {token}"})
            assert voted.status_code == 201, voted.content
            farm_positions.append(voted.json()["ledger_position"])

    Season.objects.filter(pk=season.pk).update(voting_close_at=timezone.now())
    out = io.StringIO()
    call_command("integrity_report", "--season", str(season.year), "--city", "sarov", "--json", stdout=out)
    report = json.loads(out.getvalue())
    flagged = {position for finding in report for position in finding["votes"]}
    caught = len(set(farm_positions) & flagged) / len(farm_positions)
    assert caught >= 0.9, (caught, [(f["kind"], f["score"], len(f["votes"])) for f in report])
    organic_flagged = len(flagged - set(farm_positions))
    assert organic_flagged <= 0.05 * len(organic), organic_flagged
