"""Reference data: the comparison groups (file, command, refusal) and the national average (audited)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from atomgrad.citystats.models import UrbanGroup, UrbanNationalAverage
from atomgrad.citystats.services.reference import group_names, national_average_set, urban_groups_load
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from tests.factories import CityFactory, UserFactory


@pytest.mark.django_db
def test_groups_load_from_the_shipped_file_and_refuse_a_bad_one(tmp_path):
    from atomgrad.cities.services import cities_load_from_file

    cities_load_from_file()
    assert urban_groups_load() == 31
    assert UrbanGroup.objects.get(city__slug="pevek").group == 10 and len(group_names()) == 10
    bad = tmp_path / "groups.json"
    bad.write_text(json.dumps({"cities": {"sarov": 11, "atlantis": 1}}), encoding="utf-8")
    with pytest.raises(ApplicationError) as refused:
        urban_groups_load(path=bad)
    assert refused.value.details["cities"] == ["atlantis", "sarov"]
    assert UrbanGroup.objects.count() == 31  # unchanged
    with pytest.raises(CommandError):
        call_command("load_urban_groups", str(bad))
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"cities": {"sarov": 3}}), encoding="utf-8")
    call_command("load_urban_groups", str(good))
    assert list(UrbanGroup.objects.values_list("city__slug", "group")) == [("sarov", 3)]
    entry = AuditLogEntry.objects.filter(action="citystats.groups_load").latest("pk")
    assert entry.details["changed"]["sarov"] == [7, 3] and entry.details["changed"]["pevek"] == [10, None]


@pytest.mark.django_db
def test_national_average_is_checked_and_audited():
    CityFactory()
    user = UserFactory()
    national_average_set(year=2024, total="220,4", source="Минстрой", actor=user)
    national_average_set(year=2024, total="221", source="Минстрой, уточнено", actor=user)
    assert UrbanNationalAverage.objects.get(year=2024).total == Decimal("221.00")
    entry = AuditLogEntry.objects.filter(action="citystats.national_average").latest("pk")
    assert entry.actor == user and entry.details["total"] == ["220.40", "221.00"]
    for bad in ("361", "-1", "много"):
        with pytest.raises(ApplicationError):
            national_average_set(year=2024, total=bad, source="x", actor=user)
    assert UrbanNationalAverage.objects.get(year=2024).total == Decimal("221.00")
