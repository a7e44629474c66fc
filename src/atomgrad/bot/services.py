"""The bot's side of the Django application: every database read and write a handler needs.

Handlers are async and never touch the ORM: they call the `a…` coroutine twins at the bottom of this file
(`sync_to_async`, thread-sensitive, so Django's per-thread connections and transactions behave as in a view),
and get back plain frozen dataclasses that are safe to use in the event loop.

The rules of the vote are not here. Registration goes through `voting.services.identity.voter_register` and
every vote through `voting.services.ballots.vote_cast` — the same functions the web and the API call — so a
person who voted on the web is refused the same vote in the bot, and every bot vote is in the ledger with a
receipt. What is here is only what is particular to Telegram: the phone from a shared contact, the account to
write to, the position of a card in a list.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field, replace

import phonenumbers
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, connections, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from atomgrad.award.models import Application, ConsentKind, Season
from atomgrad.award.selectors import candidate_list_published
from atomgrad.award.services.reference import consent_current
from atomgrad.bot.models import TelegramAccount, TelegramPhoto
from atomgrad.cities.models import City
from atomgrad.core.errors import ApplicationError
from atomgrad.core.generations import CANDIDATES, generation_bumped_here, generation_current
from atomgrad.voting.models import Channel, SeasonVoter, VoterIdentity
from atomgrad.voting.phones import phone_normalise

logger = logging.getLogger("atomgrad.bot")

# Numbers accepted as voters' identities: the same regions the web sends codes to (OTP_ALLOWED_REGIONS).
DEFAULT_ALLOWED_REGIONS = ("RU",)


class BotRefusal(Exception):
    """A refusal particular to the bot (not a voting rule): `key` names the text in `bot.texts`."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def db_connections_refresh() -> None:
    """What Django does around each request (`close_old_connections`), for a long-running bot process: drop
    this thread's connections that are broken or older than CONN_MAX_AGE. Never one inside a transaction."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


# --- links to the website ----------------------------------------------------------------------------------


def site_url(path: str = "/") -> str:
    return f"{settings.SITE_URL}{path}"


def _reverse_first(*names: str, kwargs: dict[str, object] | None = None) -> str | None:
    for name in names:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def candidate_url(candidate_id: int) -> str:
    return site_url(reverse("award:candidate_detail", kwargs={"candidate_id": candidate_id}))


def verify_url(receipt: str) -> str:
    path = _reverse_first("voting:verify_code", kwargs={"code": receipt})
    return site_url(path or f"/verify/{receipt}/")


def rules_url() -> str:
    return site_url(_reverse_first("core:rules") or "/rules/")


def consent_url() -> str:
    """The full text of the voter's consent on the website (the rules page's personal-data section until a
    page of its own exists)."""
    path = _reverse_first("voting:consent", "core:consent")
    return site_url(path) if path else rules_url() + "#personal-data"


def results_url(season_year: int | None = None) -> str:
    """The season's results page (all results without a year)."""
    path = None
    if season_year is not None:
        path = _reverse_first("results:season", kwargs={"year": season_year})
    return site_url(path or _reverse_first("results:index") or "/")


def city_results_url(season_year: int, city_slug: str) -> str:
    path = _reverse_first("results:city", kwargs={"year": season_year, "slug": city_slug})
    return site_url(path) if path else results_url(season_year)


# --- what handlers get back --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeasonInfo:
    id: int
    year: int
    title: str
    phase: str
    voting_open_at: dt.datetime
    voting_close_at: dt.datetime
    results_at: dt.datetime
    ceremony_at: dt.datetime
    votes_per_voter: int
    own_city_only: bool
    counts_public: bool


@dataclass(frozen=True)
class CityItem:
    id: int
    slug: str
    name_ru: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_ru


@dataclass(frozen=True)
class ConsentInfo:
    title: str
    version: str
    url: str


@dataclass(frozen=True)
class VoterInfo:
    season: SeasonInfo
    city: CityItem
    votes_used: int
    votes_left: int
    voted_candidate_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class SphereItem:
    id: int
    name_ru: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_ru


@dataclass(frozen=True)
class CandidateCard:
    candidate_id: int
    full_name: str
    sphere: SphereItem
    position: str
    workplace: str
    story_short: str
    page_url: str
    photo_name: str
    photo_file_id: str | None
    voted: bool
    index: int  # 0-based position in the (filtered) list, after clamping
    total: int
    sphere_filter: SphereItem | None  # the filter in force, None for all spheres
    city: CityItem
    spheres: tuple[SphereItem, ...]  # spheres that have candidates in the city (for the filter menu)


@dataclass(frozen=True)
class EmptyList:
    city: CityItem
    sphere_filter: SphereItem | None
    spheres: tuple[SphereItem, ...]


@dataclass(frozen=True)
class VoteOutcome:
    candidate_id: int
    candidate_name: str
    receipt: str  # as shown (with hyphens)
    verify_url: str
    votes_used: int
    votes_left: int
    votes_per_voter: int


@dataclass(frozen=True)
class MyVote:
    candidate_id: int
    candidate_name: str
    cast_at: dt.datetime
    receipt: str
    verify_url: str
    annulled: bool


@dataclass(frozen=True)
class MyVotes:
    votes: tuple[MyVote, ...]
    votes_used: int
    votes_left: int
    votes_per_voter: int
    voting_open: bool = True
    season_year: int = 0


@dataclass(frozen=True)
class ResultLine:
    place: int
    name: str
    votes: int


@dataclass(frozen=True)
class CityResults:
    """The live counts of a city during the vote (only when the season makes them public)."""

    city: CityItem
    lines: tuple[ResultLine, ...]
    url: str


@dataclass(frozen=True)
class PublishedLine:
    place: int | None
    name: str
    sphere: str
    votes: int
    url: str


@dataclass(frozen=True)
class PublishedResults:
    """A city's published result, read through the site's own selector (`results.selectors.public_city_result`),
    so the bot says exactly what the city's results page says: the laureates first, then the others."""

    city: CityItem
    season_year: int
    season_title: str
    laureates: tuple[PublishedLine, ...]
    others: tuple[PublishedLine, ...]
    without_votes: int
    disqualified: tuple[str, ...]
    void: bool
    void_reason: str
    tie_rule: str
    protocol_number: int
    protocol_url: str
    page_url: str


@dataclass(frozen=True)
class ResultsPending:
    """No result to show yet: what the voter is told depends on where the season is (`phase`)."""

    city: CityItem | None
    season: SeasonInfo
    phase: str
    voting_close_at: dt.datetime
    season_url: str


@dataclass(frozen=True)
class BotStatus:
    """Where the season stands for this person, for /start: the phase as it applies to them (their city's
    extension; results published even before the announced date), their registration, their city's result."""

    season: SeasonInfo
    phase: str
    voter: VoterInfo | None
    voting_close_at: dt.datetime
    city_published: bool
    any_published: bool
    previous_results_year: int | None  # an earlier season with published results, while a new one starts


# --- seasons, cities, consent ------------------------------------------------------------------------------


def _season_info(season: Season) -> SeasonInfo:
    return SeasonInfo(
        id=season.pk, year=season.year, title=season.title, phase=str(season.phase),
        voting_open_at=season.voting_open_at, voting_close_at=season.voting_close_at,
        results_at=season.results_at, ceremony_at=season.ceremony_at, votes_per_voter=season.votes_per_voter,
        own_city_only=season.own_city_only, counts_public=season.counts_public,
    )


def _city_item(city: object) -> CityItem:
    return CityItem(id=city.pk, slug=city.slug, name_ru=city.name_ru, name_en=city.name_en)  # type: ignore[attr-defined]


def _season_current() -> Season | None:
    """`award.selectors.season_current` (the latest season by year) without prefetching its cities: the bot
    asks for the season on every update and needs the cities only when choosing one."""
    return Season.objects.order_by("-year").first()


def season_info() -> SeasonInfo | None:
    season = _season_current()
    return _season_info(season) if season is not None else None


def _season_for_results() -> Season | None:
    """The season whose results the bot talks about: the latest one whose vote has opened (a new season that
    is only taking applications does not hide the last one's results), else the latest season."""
    seasons = Season.objects.order_by("-year")
    return seasons.filter(voting_open_at__lte=timezone.now()).first() or seasons.first()


def _effective_phase(season: Season, *, city_id: int | None, published: bool) -> tuple[str, dt.datetime]:
    """The season's phase (award.phases, from its dates) as it applies to one person: voting is still open
    where the city's window was extended; the results phase starts when the result is published, and not
    before, whatever date was announced. Returns (phase, when voting closes for them)."""
    from atomgrad.award.phases import Phase
    from atomgrad.voting.services.ballots import voting_closes_at

    now = timezone.now()
    phase = season.phase_at(now)
    closes = voting_closes_at(season=season, city_id=city_id) if city_id is not None else season.voting_close_at
    if phase == Phase.VERIFICATION and now < closes:
        phase = Phase.VOTING
    elif phase == Phase.VERIFICATION and published:
        phase = Phase.RESULTS
    elif phase in (Phase.RESULTS, Phase.CEREMONY) and not published:
        phase = Phase.VERIFICATION
    return str(phase), closes


def bot_status(*, telegram_user_id: int) -> BotStatus | None:
    from atomgrad.results.models import Publication

    season = _season_current()
    if season is None:
        return None
    voter = voter_info(telegram_user_id=telegram_user_id)
    city_id = voter.city.id if voter is not None else None
    publications = Publication.objects.filter(season=season)
    any_published = publications.exists()
    city_published = city_id is not None and publications.filter(city_id=city_id).exists()
    phase, closes = _effective_phase(season, city_id=city_id,
                                     published=city_published if voter is not None else any_published)
    previous = None
    if season.voting_open_at > timezone.now():
        previous = (Publication.objects.filter(season__year__lt=season.year)
                    .order_by("-season__year").values_list("season__year", flat=True).first())
    return BotStatus(season=_season_info(season), phase=phase, voter=voter, voting_close_at=closes,
                     city_published=city_published, any_published=any_published, previous_results_year=previous)


def season_cities(*, season_id: int) -> list[CityItem]:
    season = Season.objects.filter(pk=season_id).first()
    if season is None:
        return []
    return [_city_item(city) for city in season.cities.order_by("name_ru", "id")]


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").replace("-", " ").split())


def cities_matching(cities: list[CityItem], query: str) -> list[CityItem]:
    """Cities whose Russian or English name contains `query` (any case, ё = е); an exact name wins alone.

    Done in Python because SQLite's LIKE folds the case of ASCII letters only, and a season has a few dozen
    cities at most."""
    needle = _fold(query)
    if not needle:
        return []
    exact = [city for city in cities if needle in (_fold(city.name_ru), _fold(city.name_en))]
    if exact:
        return exact
    return [city for city in cities if needle in _fold(city.name_ru) or needle in _fold(city.name_en)]


def season_city(*, season_id: int, city_id: int) -> CityItem | None:
    """The city if it takes part in the season (a forged callback may name any id)."""
    season = Season.objects.filter(pk=season_id).first()
    city = season.cities.filter(pk=city_id).first() if season is not None else None
    return _city_item(city) if city is not None else None


def consent_info() -> ConsentInfo:
    document = consent_current(kind=ConsentKind.VOTER)
    return ConsentInfo(title=document.title, version=document.version, url=consent_url())


# --- Telegram accounts -------------------------------------------------------------------------------------


def account_touch(*, telegram_user_id: int, chat_id: int, language_code: str | None) -> None:
    """Remember where to write to the person and in which language; writing to the bot unblocks them."""
    values = {"chat_id": chat_id, "language_code": (language_code or "")[:16], "blocked_at": None}
    updated = TelegramAccount.objects.filter(telegram_user_id=telegram_user_id).update(
        **values, updated_at=timezone.now()
    )
    if not updated:
        try:
            with transaction.atomic():
                TelegramAccount.objects.create(telegram_user_id=telegram_user_id, **values)
        except IntegrityError:  # created by a parallel update of the same person
            TelegramAccount.objects.filter(telegram_user_id=telegram_user_id).update(**values)


def notify_set(*, telegram_user_id: int, chat_id: int, language_code: str | None, on: bool) -> None:
    account_touch(telegram_user_id=telegram_user_id, chat_id=chat_id, language_code=language_code)
    TelegramAccount.objects.filter(telegram_user_id=telegram_user_id).update(
        notify_results=on, notify_changed_at=timezone.now()
    )


def notify_get(*, telegram_user_id: int) -> bool:
    return TelegramAccount.objects.filter(telegram_user_id=telegram_user_id, notify_results=True).exists()


# --- identity and registration -----------------------------------------------------------------------------


def contact_phone_e164(raw: str) -> str:
    """A Telegram contact's number ('79001234567', international, often without '+') → E.164.

    Only the numbers the web accepts become identities: valid mobile numbers of the allowed regions."""
    digits = (raw or "").strip()
    if digits and not digits.startswith("+"):
        digits = "+" + digits
    e164 = phone_normalise(digits)
    parsed = phonenumbers.parse(e164)
    regions = tuple(getattr(settings, "OTP_ALLOWED_REGIONS", DEFAULT_ALLOWED_REGIONS))
    mobile = phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
    )
    if phonenumbers.region_code_for_number(parsed) not in regions or not mobile:
        raise ApplicationError(
            "invalid_phone",
            "Голосовать можно с российского мобильного номера (+7 9XX …). С этим номером — нельзя.",
            "Only Russian mobile numbers (+7 9XX …) can vote. This number cannot.",
            status=422,
        )
    return e164


def identity_from_verified_phone(*, phone_e164: str, telegram_user_id: int | None = None) -> VoterIdentity:
    """The voter identity of a phone number that a channel has verified (Telegram: the user's own shared
    contact), created if new — the same keyed hash as the web's, so it is the same person.

    With `telegram_user_id`, the Telegram account is linked to this identity. An account proves one number at
    a time: if it was linked to another identity before (the person changed their number), that link moves.
    Holds SELECT … FOR UPDATE on the identity row while linking.
    """
    from atomgrad.voting.services.identity import identity_for_verified_phone

    with transaction.atomic():
        # The voting app's own path (it serialises with web code checks of the same number), then the link.
        found = identity_for_verified_phone(phone_raw=phone_e164)
        identity = VoterIdentity.objects.select_for_update().get(pk=found.pk)
        digest = identity.phone_hash
        if telegram_user_id is not None and identity.telegram_user_id != telegram_user_id:
            moved = (
                VoterIdentity.objects.filter(telegram_user_id=telegram_user_id)
                .exclude(pk=identity.pk)
                .update(telegram_user_id=None)
            )
            if moved:
                logger.info("telegram account relinked to identity %s…", digest[:10])
            identity.telegram_user_id = telegram_user_id
            identity.save(update_fields=["telegram_user_id"])
    return identity


def registration_complete(
    *, season_id: int, city_id: int, telegram_user_id: int, chat_id: int, language_code: str | None,
    phone_raw: str, contact_asked_at: dt.datetime | None = None,
) -> VoterInfo:
    """The last step of registering in the bot: the person shared their own contact (the handler checked
    `contact.user_id == from.id`) after accepting the consent and choosing the city. `contact_asked_at` (when
    the bot asked for the contact) stands for the code's request in the voter's detection signals.

    Registration itself is `voter_register` (the web's): idempotent, the city fixed after the first vote.
    """
    from atomgrad.voting.services.identity import voter_register
    from atomgrad.voting.signals import Verification

    season = Season.objects.filter(pk=season_id).first()
    city = season.cities.filter(pk=city_id).first() if season is not None else None
    if season is None or city is None:
        raise BotRefusal("consent_missing")
    e164 = contact_phone_e164(phone_raw)
    with transaction.atomic():
        identity = identity_from_verified_phone(phone_e164=e164, telegram_user_id=telegram_user_id)
        verification = Verification.of(e164=e164, code_requested_at=contact_asked_at, verified_at=timezone.now(),
                                       telegram_user_id=telegram_user_id)
        voter_register(season=season, identity=identity, city_slug=city.slug, consent=True, channel=Channel.TELEGRAM,
                       verification=verification)
        account_touch(telegram_user_id=telegram_user_id, chat_id=chat_id, language_code=language_code)
    info = voter_info(telegram_user_id=telegram_user_id)
    assert info is not None
    return info


# --- the voter ---------------------------------------------------------------------------------------------


def _voter(*, telegram_user_id: int, season: Season) -> SeasonVoter | None:
    """The voter of the season this Telegram account is linked to (season and city loaded, as `vote_cast`
    wants them)."""
    return (
        SeasonVoter.objects.select_related("season", "city")
        .filter(season=season, identity__telegram_user_id=telegram_user_id)
        .first()
    )


def _voted_candidate_ids(voter: SeasonVoter) -> frozenset[int]:
    from atomgrad.voting.selectors import ballot_for

    return ballot_for(season=voter.season, voter=voter).voted


def _votes_left(voter: SeasonVoter, season: Season) -> tuple[int, int]:
    from atomgrad.voting.selectors import votes_left

    return voter.votes_cast, votes_left(voter=voter)


def voter_info(*, telegram_user_id: int) -> VoterInfo | None:
    season = _season_current()
    if season is None:
        return None
    voter = _voter(telegram_user_id=telegram_user_id, season=season)
    if voter is None:
        return None
    used, left = _votes_left(voter, season)
    return VoterInfo(
        season=_season_info(season), city=_city_item(voter.city), votes_used=used, votes_left=left,
        voted_candidate_ids=_voted_candidate_ids(voter),
    )


def _voter_required(telegram_user_id: int) -> tuple[Season, SeasonVoter]:
    """The voter of the current season (the latest by year) linked to this account, with its season and city:
    one statement (`voting.queries.voter_by_telegram_user`, prepared on PostgreSQL), as the API finds its voter
    by token. No voter (not registered, or only in an earlier season): the "not registered" refusal."""
    from atomgrad.voting import queries

    voter = queries.voter_by_telegram_user(telegram_user_id=telegram_user_id)
    if voter is None:
        raise BotRefusal("not_registered")
    return voter.season, voter


# --- browsing ----------------------------------------------------------------------------------------------


def _sphere_item(sphere: object) -> SphereItem:
    return SphereItem(id=sphere.pk, name_ru=sphere.name_ru, name_en=sphere.name_en)  # type: ignore[attr-defined]


def candidate_card(*, telegram_user_id: int, sphere_id: int, index: int, bot_id: int) -> CandidateCard | EmptyList:
    """The card at `index` (clamped into the list, wrapping around) of the published candidates of the voter's
    own city, optionally of one sphere. The city is always the voter's: a callback cannot choose it."""
    season, voter = _voter_required(telegram_user_id)
    return _card(season=season, voter=voter, sphere_id=sphere_id, index=index, bot_id=bot_id)


# The candidate cards of a list, as every voter sees them (without their own marks), kept per process: a card
# changes only when a candidate is published or edited, and those services bump the candidates' generation
# (`core.generations`) in their own transaction. A process reads the generation at most once every
# CARD_GENERATION_CHECK seconds, so a publication shows in every bot process within that time (at once in the
# process that made it, e.g. the web process serving the Django webhook view); a list is also
# rebuilt after CARD_CACHE_SECONDS in any case (a change made outside the services, by hand in a shell).
CARD_GENERATION_CHECK = 1.0
CARD_CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class _CardList:
    city: CityItem
    sphere_filter: SphereItem | None
    spheres: tuple[SphereItem, ...]
    cards: tuple[CandidateCard, ...]  # voted=False; the voter's marks are applied on the way out
    built_at: float


@dataclass
class _CardCache:
    lists: dict[tuple[int, int, int, int], _CardList] = field(default_factory=dict)
    generation: int | None = None
    checked_at: float = -1e9
    bumped_here: int = 0


_card_cache = _CardCache()
_card_cache_lock = threading.Lock()


def card_cache_clear() -> None:
    """Forget every kept card list of this process (tests; a photo's Telegram file id learnt or forgotten)."""
    with _card_cache_lock:
        _card_cache.lists.clear()
        _card_cache.generation = None
        _card_cache.checked_at = -1e9
        _card_cache.bumped_here = generation_bumped_here(name=CANDIDATES)


def _card_list_current(key: tuple[int, int, int, int]) -> tuple[_CardList | None, int | None]:
    """The kept list for `key` if it is still current, and the generation it is checked against."""
    now = time.monotonic()
    bumped_here = generation_bumped_here(name=CANDIDATES)
    if bumped_here != _card_cache.bumped_here or now - _card_cache.checked_at >= CARD_GENERATION_CHECK:
        generation = generation_current(name=CANDIDATES)
        with _card_cache_lock:
            if generation != _card_cache.generation:
                _card_cache.lists.clear()
                _card_cache.generation = generation
            _card_cache.checked_at = now
            _card_cache.bumped_here = bumped_here
    generation_seen = _card_cache.generation
    kept = _card_cache.lists.get(key)
    if kept is None or now - kept.built_at >= CARD_CACHE_SECONDS:
        return None, generation_seen
    return kept, generation_seen


def _card_list_build(*, season: Season, city: City, sphere_id: int, bot_id: int) -> _CardList:
    city_candidates = candidate_list_published(season=season, city=city)
    spheres: dict[int, SphereItem] = {}
    for candidate in city_candidates:
        spheres.setdefault(candidate.sphere_id, _sphere_item(candidate.sphere))
    sphere_list = tuple(sorted(spheres.values(), key=lambda item: item.name_ru))
    sphere_filter = spheres.get(sphere_id) if sphere_id else None
    candidates = list(city_candidates.filter(sphere_id=sphere_filter.id) if sphere_filter else city_candidates)
    photo_names = [candidate.photo.name for candidate in candidates if candidate.photo]
    file_ids = dict(
        TelegramPhoto.objects.filter(bot_id=bot_id, storage_name__in=photo_names).values_list("storage_name", "file_id")
    ) if photo_names else {}
    city_item = _city_item(city)
    cards = tuple(
        CandidateCard(
            candidate_id=candidate.pk, full_name=candidate.full_name, sphere=spheres[candidate.sphere_id],
            position=candidate.position, workplace=candidate.workplace, story_short=candidate.story_short,
            page_url=candidate_url(candidate.pk), photo_name=candidate.photo.name if candidate.photo else "",
            photo_file_id=file_ids.get(candidate.photo.name) if candidate.photo else None,
            voted=False, index=index, total=len(candidates), sphere_filter=sphere_filter, city=city_item,
            spheres=sphere_list,
        )
        for index, candidate in enumerate(candidates)
    )
    return _CardList(city=city_item, sphere_filter=sphere_filter, spheres=sphere_list, cards=cards,
                     built_at=time.monotonic())


def _card(*, season: Season, voter: SeasonVoter, sphere_id: int, index: int, bot_id: int) -> CandidateCard | EmptyList:
    key = (season.pk, voter.city_id, sphere_id, bot_id)
    card_list, generation = _card_list_current(key)
    if card_list is None:
        card_list = _card_list_build(season=season, city=voter.city, sphere_id=sphere_id, bot_id=bot_id)
        with _card_cache_lock:
            # Kept only if no other thread saw a newer generation meanwhile (this list may predate it).
            if _card_cache.generation == generation:
                _card_cache.lists[key] = card_list
    if not card_list.cards:
        return EmptyList(city=card_list.city, sphere_filter=card_list.sphere_filter, spheres=card_list.spheres)
    card = card_list.cards[index % len(card_list.cards)]
    # The voter's own mark: their votes are read only when they have cast any.
    if voter.votes_cast and card.candidate_id in _voted_candidate_ids(voter):
        card = replace(card, voted=True)
    return card


def photo_bytes(*, storage_name: str) -> bytes | None:
    """The candidate photo's file, or None if it cannot be read (the card is then sent without it)."""
    try:
        with default_storage.open(storage_name, "rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        logger.warning("candidate photo %s cannot be read", storage_name)
        return None


def photo_remember(*, bot_id: int, storage_name: str, file_id: str) -> None:
    TelegramPhoto.objects.update_or_create(bot_id=bot_id, storage_name=storage_name, defaults={"file_id": file_id})
    card_cache_clear()  # this process's cards carry the file id from now on (others learn it with their lists)


def photo_forget(*, bot_id: int, storage_name: str) -> None:
    TelegramPhoto.objects.filter(bot_id=bot_id, storage_name=storage_name).delete()
    card_cache_clear()


# --- voting ------------------------------------------------------------------------------------------------


def _voter_and_candidate(telegram_user_id: int, candidate_id: int) -> tuple[SeasonVoter, Application]:
    """The account's voter (as `_voter_required`) and the published candidate, read in one round trip as the
    API's vote reads its token's voter and candidate. No voter: "not registered"; an unknown id (forged) or a
    candidate no longer published (stale): the voting service's own refusal."""
    from atomgrad.voting import queries
    from atomgrad.voting.services.ballots import not_published_error

    voter, candidate = queries.voter_by_telegram_user_and_candidate(telegram_user_id=telegram_user_id,
                                                                    candidate_id=candidate_id)
    if voter is None:
        raise BotRefusal("not_registered")
    if candidate is None:
        raise not_published_error()
    return voter, candidate


def vote_check(*, telegram_user_id: int, candidate_id: int) -> str:
    """The candidate's name if a vote for them could be accepted now, as far as can be known without
    casting (the web's confirmation page asks the same `vote_precheck`); else the refusal (ApplicationError).
    Already voted and the cap are decided only when the vote is cast."""
    from atomgrad.voting.services.ballots import vote_precheck

    voter, candidate = _voter_and_candidate(telegram_user_id, candidate_id)
    vote_precheck(voter=voter, candidate=candidate)
    return candidate.full_name


def vote(*, telegram_user_id: int, candidate_id: int) -> VoteOutcome:
    """Cast the voter's vote through the one voting service. Every refusal is the service's ApplicationError
    (already voted, limit reached, another city, window closed, candidate not published)."""
    from atomgrad.voting.receipts import receipt_display
    from atomgrad.voting.services.ballots import vote_cast
    from atomgrad.voting.signals import VoteContext

    voter, candidate = _voter_and_candidate(telegram_user_id, candidate_id)
    season = voter.season
    # The bot knows no address or browser; it knows the account, whose id's magnitude is a signal of its age.
    cast = vote_cast(voter=voter, candidate=candidate, channel=Channel.TELEGRAM,  # updates voter.votes_cast
                     context=VoteContext(telegram_user_id=telegram_user_id))
    used, left = _votes_left(voter, season)
    return VoteOutcome(
        candidate_id=candidate.pk, candidate_name=candidate.full_name, receipt=receipt_display(cast.receipt),
        verify_url=verify_url(cast.receipt), votes_used=used, votes_left=left,
        votes_per_voter=season.votes_per_voter,
    )


def my_votes(*, telegram_user_id: int) -> MyVotes:
    from atomgrad.voting.receipts import receipt_display
    from atomgrad.voting.selectors import voter_vote_list

    season, voter = _voter_required(telegram_user_id)
    votes = tuple(
        MyVote(
            candidate_id=item.candidate_id, candidate_name=item.candidate.full_name, cast_at=item.cast_at,
            receipt=receipt_display(item.receipt), verify_url=verify_url(item.receipt),
            annulled=bool(item.annulled),  # type: ignore[attr-defined]
        )
        for item in voter_vote_list(voter=voter)
    )
    used, left = _votes_left(voter, season)
    from atomgrad.voting.selectors import ballot_for

    open_now = ballot_for(season=season, voter=None).is_open_in(voter.city_id)
    return MyVotes(votes=votes, votes_used=used, votes_left=left, votes_per_voter=season.votes_per_voter,
                   voting_open=open_now, season_year=season.year)


def _published_results(season: Season, city: City) -> PublishedResults | None:
    from atomgrad.results.selectors import public_city_result

    result = public_city_result(season=season, city=city)
    if result is None:
        return None

    def line(item: dict[str, object]) -> PublishedLine:
        return PublishedLine(place=item.get("place"), name=str(item["full_name"]),  # type: ignore[arg-type]
                             sphere=str(item.get("sphere") or ""), votes=int(item["valid"]),  # type: ignore[call-overload]
                             url=candidate_url(int(item["id"])))  # type: ignore[call-overload]

    protocol = result.data["protocol"]
    protocol_path = _reverse_first("results:protocol_pdf", kwargs={"year": season.year, "slug": city.slug})
    return PublishedResults(
        city=_city_item(city), season_year=season.year, season_title=season.title,
        laureates=tuple(line(item) for item in result.laureates),
        others=tuple(line(item) for item in result.ranked),
        without_votes=len(result.without_votes),
        disqualified=tuple(str(item["full_name"]) for item in result.disqualified),
        void=result.void, void_reason=str(result.data.get("void_reason") or ""),
        tie_rule=str((result.data.get("tie_decision") or {}).get("rule_label") or ""),
        protocol_number=int(protocol["version"]),
        protocol_url=site_url(protocol_path) if protocol_path else city_results_url(season.year, city.slug),
        page_url=city_results_url(season.year, city.slug),
    )


def city_results(*, telegram_user_id: int) -> CityResults | PublishedResults | ResultsPending:
    """What /results shows the person: their city's published result (the same as the site's city results
    page); during the vote, the live counts when the season makes them public; otherwise where the season
    stands (`ResultsPending`). Without a registration in that season: BotRefusal("not_registered")."""
    from atomgrad.award.phases import Phase
    from atomgrad.voting.selectors import city_results as voting_city_results

    season = _season_for_results()
    voter = _voter(telegram_user_id=telegram_user_id, season=season) if season is not None else None
    if season is None or voter is None:
        raise BotRefusal("not_registered")
    published = _published_results(season, voter.city)
    if published is not None:
        return published
    phase, closes = _effective_phase(season, city_id=voter.city_id, published=False)
    if phase == Phase.VOTING:
        results = voting_city_results(season=season, city=voter.city)
        if results.counts_public:
            lines: list[ResultLine] = []
            for position, row in enumerate(results.candidates, start=1):  # equal votes share a place
                votes = int(row.vote_count)  # type: ignore[attr-defined]
                place = lines[-1].place if lines and lines[-1].votes == votes else position
                lines.append(ResultLine(place=place, name=row.full_name, votes=votes))
            return CityResults(city=_city_item(voter.city), lines=tuple(lines),
                               url=city_results_url(season.year, voter.city.slug))
    return ResultsPending(city=_city_item(voter.city), season=_season_info(season), phase=phase,
                          voting_close_at=closes, season_url=results_url(season.year))


def season_results_url() -> str:
    season = _season_for_results()
    return results_url(season.year if season is not None else None)


# --- the coroutine twins handlers call ----------------------------------------------------------------------

aseason_info = sync_to_async(season_info)
aseason_cities = sync_to_async(season_cities)
aseason_city = sync_to_async(season_city)
aconsent_info = sync_to_async(consent_info)
aaccount_touch = sync_to_async(account_touch)
anotify_set = sync_to_async(notify_set)
anotify_get = sync_to_async(notify_get)
aregistration_complete = sync_to_async(registration_complete)
avoter_info = sync_to_async(voter_info)
acandidate_card = sync_to_async(candidate_card)
aphoto_bytes = sync_to_async(photo_bytes)
aphoto_remember = sync_to_async(photo_remember)
aphoto_forget = sync_to_async(photo_forget)
avote_check = sync_to_async(vote_check)
avote = sync_to_async(vote)
amy_votes = sync_to_async(my_votes)
acity_results = sync_to_async(city_results)
abot_status = sync_to_async(bot_status)
aseason_results_url = sync_to_async(season_results_url)
adb_connections_refresh = sync_to_async(db_connections_refresh)
