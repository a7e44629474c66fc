"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import datetime as dt
import io

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from atomgrad.award.models import (
    Application,
    ApplicationStatus,
    ConsentDocument,
    ConsentKind,
    NominationKind,
    Season,
    Sphere,
)
from atomgrad.award.phases import Phase
from atomgrad.cities.models import City, CommitteeMembership, CommitteeRole
from atomgrad.cities.permissions import ORGANISERS_GROUP

DAY = dt.timedelta(days=1)


def season_dates(phase: Phase | str, now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """Phase dates such that `phase` is the current phase at `now`."""
    now = now or timezone.now()
    order = ["applications_open_at", "applications_close_at", "voting_open_at", "voting_close_at",
             "results_at", "ceremony_at"]
    # index of the date field that starts the wanted phase; UPCOMING starts before all of them
    starts = {Phase.UPCOMING: -1, Phase.APPLICATIONS: 0, Phase.MODERATION: 1, Phase.VOTING: 2,
              Phase.VERIFICATION: 3, Phase.RESULTS: 4, Phase.CEREMONY: 5}[Phase(phase)]
    return {field: now + (index - starts) * 10 * DAY - (5 * DAY if index <= starts else -0 * DAY)
            for index, field in enumerate(order)}


def image_bytes(size: tuple[int, int] = (40, 50), color: str = "#3366aa", fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            self.save()


def make_organiser(username: str = "organiser") -> object:
    user = UserFactory(username=username)
    group, _ = Group.objects.get_or_create(name=ORGANISERS_GROUP)
    user.groups.add(group)
    return user


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"city-{n}")
    name_ru = factory.Sequence(lambda n: f"Город {n}")
    name_en = factory.Sequence(lambda n: f"Town {n}")
    region_ru = "Свердловская область"
    region_en = "Sverdlovsk Oblast"
    is_closed = False
    population = 50000


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMembership

    city = factory.SubFactory(CityFactory)
    user = factory.SubFactory(UserFactory)
    role = CommitteeRole.MEMBER
    full_name = factory.Sequence(lambda n: f"Членов Член Членович {n}")


class SphereFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sphere
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"sphere-{n}")
    name_ru = factory.Sequence(lambda n: f"Сфера {n}")
    name_en = factory.Sequence(lambda n: f"Sphere {n}")
    order = factory.Sequence(lambda n: n)


class ConsentDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentDocument
        django_get_or_create = ("kind", "version")

    kind = ConsentKind.APPLICATION
    version = "test-1"
    title = "Согласие"
    text = "Я согласен на обработку персональных данных."


class SeasonFactory(factory.django.DjangoModelFactory):
    """`SeasonFactory(phase="voting")` makes a season whose voting is open now."""

    class Meta:
        model = Season
        django_get_or_create = ("year",)
        skip_postgeneration_save = True

    class Params:
        phase = Phase.APPLICATIONS

    year = factory.Sequence(lambda n: 2030 + n)
    title = factory.LazyAttribute(lambda o: f"Новые Созидатели — {o.year}")
    applications_open_at = factory.LazyAttribute(lambda o: season_dates(o.phase)["applications_open_at"])
    applications_close_at = factory.LazyAttribute(lambda o: season_dates(o.phase)["applications_close_at"])
    voting_open_at = factory.LazyAttribute(lambda o: season_dates(o.phase)["voting_open_at"])
    voting_close_at = factory.LazyAttribute(lambda o: season_dates(o.phase)["voting_close_at"])
    results_at = factory.LazyAttribute(lambda o: season_dates(o.phase)["results_at"])
    ceremony_at = factory.LazyAttribute(lambda o: season_dates(o.phase)["ceremony_at"])

    @factory.post_generation
    def cities(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.cities.add(*extracted)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application; `ApplicationFactory(status="accepted")` is a published candidate."""

    class Meta:
        model = Application

    season = factory.SubFactory(SeasonFactory)
    city = factory.SubFactory(CityFactory)
    sphere = factory.SubFactory(SphereFactory)
    full_name = factory.Sequence(lambda n: f"Тестова Анна Сергеевна {n}")
    birth_date = dt.date(1985, 4, 12)
    workplace = "Городская школа № 1"
    position = "учитель физики"
    story = "Двадцать лет учит детей физике и ведёт кружок робототехники."
    photo = factory.LazyFunction(lambda: ContentFile(image_bytes(), name="photo.jpg"))
    phone = "+79001234567"
    email = factory.Sequence(lambda n: f"applicant{n}@example.org")
    nomination_kind = NominationKind.SELF
    consent_document = factory.SubFactory(ConsentDocumentFactory)
    consent_given_at = factory.LazyFunction(timezone.now)
    consent_ip = "127.0.0.1"
    person_key = factory.Sequence(lambda n: f"person-{n:057d}")  # 64 characters, the column size
    edit_token = factory.Sequence(lambda n: f"token-{n:058d}")
    status = ApplicationStatus.SUBMITTED
    published_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == ApplicationStatus.ACCEPTED else None
    )


# --- voting ---------------------------------------------------------------------------------------------


class VoterIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "voting.VoterIdentity"

    phone_hash = factory.Sequence(lambda n: f"{n:064x}")


class SeasonVoterFactory(factory.django.DjangoModelFactory):
    """A verified voter of a season (use `season=` and `city=`)."""

    class Meta:
        model = "voting.SeasonVoter"

    season = factory.SubFactory(SeasonFactory, phase=Phase.VOTING)
    identity = factory.SubFactory(VoterIdentityFactory)
    city = factory.SubFactory(CityFactory)
    consent_document = factory.SubFactory(ConsentDocumentFactory, kind=ConsentKind.VOTER, version="voter-test-1")
    consent_given_at = factory.LazyFunction(timezone.now)
    registered_via = "web"
