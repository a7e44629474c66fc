"""Who votes: phone verification with one-time codes, and registration of a verified person in a season.

The rules (docs/identity.md explains them for people):

- a code is 6 digits from `secrets`, valid `CODE_LIFETIME` (5 minutes); only a keyed hash of it is stored
  (HMAC-SHA256 under the server's PHONE_HASH_KEY, bound to the number's hash);
- against SMS pumping (docs/identity.md has the reasoning): codes go only to Russian mobile numbers outside the
  ranges billed as international or premium (`data/sms_blocked_ranges.json`); at most
  `codes_per_number_per_hour` codes to one number and `resend_interval` seconds between two; at most
  `codes_per_range_per_hour` to one block of 10,000 numbers (+7 9XX XXX ….), `codes_global_per_hour` in all.
  The client address is a soft signal: past `codes_per_address_per_hour` (many residents of a closed town share
  one carrier NAT) a request still gets its code, but from a shared budget for such crowded addresses
  (`codes_crowded_per_hour`), and one address never gets more than `codes_per_address_hard_per_hour`. The
  number and address limits are checked while holding row locks (the number's `PhoneLockout` row, then the
  address's `ClientAddressLock` row, always in that order); the range, crowded and global budgets are
  database counters taken with one conditional UPDATE each (`core.ratelimit`), after those locks;
- only the newest unexpired unused code of a number counts; wrong codes are counted per number over
  `WRONG_TRIES_WINDOW` (a fresh code does not reset them): the `MAX_WRONG_TRIES`th (5th) kills the code and
  locks the number out for a time that grows with each lock-out (15 min, 1 h, 4 h, 24 h, then 24 h again); a
  successful verification ends the escalation;
- a correct code is used once (it is taken under the number's lock and marked used in the same transaction);
- the clear number lives only in memory while a request runs, and goes to the SMS backend after commit.

The limits can be tuned with settings (`OTP_CODES_PER_NUMBER_PER_HOUR`, `OTP_CODES_PER_ADDRESS_PER_HOUR`,
`OTP_RESEND_INTERVAL_SECONDS`); the defaults below are the product's.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import math
import secrets
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone, translation

from atomgrad.award.models import ConsentDocument, ConsentKind, Season
from atomgrad.award.services.reference import consent_current
from atomgrad.cities.models import City
from atomgrad.core import timefmt
from atomgrad.core.errors import ApplicationError
from atomgrad.core.ratelimit import address_key, rate_limit_take
from atomgrad.voting.models import (
    Channel,
    ClientAddressLock,
    OneTimeCode,
    PhoneLockout,
    SeasonVoter,
    VoterIdentity,
    VoterSignal,
)
from atomgrad.voting.phones import phone_hash, phone_normalise
from atomgrad.voting.signals import Verification, phone_block_hash, telegram_bucket
from atomgrad.voting.sms import SmsDeliveryError, sms_send

logger = logging.getLogger("atomgrad.voting.identity")

CODE_DIGITS = 6
CODE_LIFETIME = dt.timedelta(minutes=5)
MAX_WRONG_TRIES = 5
# Each lock-out lasts the next step; after the last step every further lock-out lasts as long as the last.
LOCKOUT_STEPS = (
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=4),
    dt.timedelta(hours=24),
)
# A number that has not been locked out for this long starts again from the first step.
LOCKOUT_FORGET_AFTER = dt.timedelta(days=7)
LIMIT_WINDOW = dt.timedelta(hours=1)
# Wrong codes of one number are counted over this window, across codes (a fresh code does not reset them).
WRONG_TRIES_WINDOW = dt.timedelta(hours=24)
# A block of numbers for the per-range budget: "+7" and the first six national digits (10,000 numbers).
RANGE_PREFIX_LENGTH = 8
# Codes go only to mobile numbers of these regions (the award is for residents of Russia's atomic cities;
# premium-rate foreign numbers are the usual target of SMS pumping).
ALLOWED_REGIONS = ("RU",)

SMS_TEXT = "Код для голосования «Новые Созидатели»: {code}. Никому не сообщайте его."


@dataclass(frozen=True)
class OtpLimits:
    codes_per_number_per_hour: int
    codes_per_address_per_hour: int  # soft: past it the address is "crowded", not refused
    resend_interval: dt.timedelta
    codes_per_address_hard_per_hour: int = 1000
    codes_crowded_per_hour: int = 2000
    codes_per_range_per_hour: int = 50
    codes_global_per_hour: int = 10000


def otp_limits() -> OtpLimits:
    return OtpLimits(
        codes_per_number_per_hour=int(getattr(settings, "OTP_CODES_PER_NUMBER_PER_HOUR", 5)),
        codes_per_address_per_hour=int(getattr(settings, "OTP_CODES_PER_ADDRESS_PER_HOUR", 20)),
        resend_interval=dt.timedelta(seconds=int(getattr(settings, "OTP_RESEND_INTERVAL_SECONDS", 60))),
        codes_per_address_hard_per_hour=int(getattr(settings, "OTP_CODES_PER_ADDRESS_HARD_PER_HOUR", 1000)),
        codes_crowded_per_hour=int(getattr(settings, "OTP_CODES_CROWDED_PER_HOUR", 2000)),
        codes_per_range_per_hour=int(getattr(settings, "OTP_CODES_PER_RANGE_PER_HOUR", 50)),
        codes_global_per_hour=int(getattr(settings, "OTP_CODES_GLOBAL_PER_HOUR", 10000)),
    )


@functools.cache
def _blocked_ranges(path: str) -> tuple[str, ...]:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(entry["prefix"] for entry in document["ranges"])


def sms_blocked_prefixes() -> tuple[str, ...]:
    """The E.164 prefixes codes are never sent to (`data/sms_blocked_ranges.json`, or OTP_BLOCKED_RANGES_FILE)."""
    return _blocked_ranges(str(settings.OTP_BLOCKED_RANGES_FILE))


# --- small helpers -----------------------------------------------------------------------------------------


def _code_digest(*, phone_digest: str, code: str) -> str:
    """The stored form of a code: HMAC-SHA256 under the server key, bound to the number (by its hash)."""
    key = hashlib.sha256(b"atomgrad-otp\x00" + settings.PHONE_HASH_KEY.encode()).digest()
    return hmac.new(key, f"{phone_digest}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_generate() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def client_address_key(client_ip: str | None) -> str | None:
    """The address the per-address limit counts: IPv4 as is, IPv6 by its /64 network (one subscriber's
    whole block), None when unknown or not an address."""
    return address_key(client_ip)


def _moscow_both(moment: dt.datetime) -> tuple[str, str]:
    with translation.override("ru"):
        ru = timefmt.format_datetime(moment)
    with translation.override("en"):
        en = timefmt.format_datetime(moment)
    return ru, en


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _locked_out_error(lock: PhoneLockout, *, code: str = "locked_out") -> ApplicationError:
    assert lock.locked_until is not None
    until_ru, until_en = _moscow_both(lock.locked_until)
    if code == "too_many_attempts":
        message_ru = (
            f"Слишком много неверных попыток ввода кода. Номер заблокирован до {until_ru}; "
            "после этого запросите новый код."
        )
        message_en = (
            f"Too many wrong codes. The number is locked until {until_en}; then ask for a new code."
        )
    else:
        message_ru = f"Номер временно заблокирован из-за неверных кодов до {until_ru}. Попробуйте позже."
        message_en = f"The number is locked after wrong codes until {until_en}. Please try again later."
    return ApplicationError(
        code, message_ru, message_en, status=429,
        details={
            "locked_until": lock.locked_until.isoformat(),
            "retry_after_seconds": _seconds_until(lock.locked_until, timezone.now()),
        },
    )


def _phone_for_sms(phone_raw: str) -> str:
    """Normalise and check that codes may be sent to this number (a mobile number of an allowed region)."""
    e164 = phone_normalise(phone_raw)
    parsed = phonenumbers.parse(e164)
    regions = tuple(getattr(settings, "OTP_ALLOWED_REGIONS", ALLOWED_REGIONS))
    number_type = phonenumbers.number_type(parsed)
    mobile = number_type in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if phonenumbers.region_code_for_number(parsed) not in regions or not mobile:
        raise ApplicationError(
            "invalid_phone",
            "Коды отправляются только на российские мобильные номера: +7 9XX XXX-XX-XX.",
            "Codes are sent only to Russian mobile numbers: +7 9XX XXX-XX-XX.",
            status=422,
        )
    if e164.startswith(sms_blocked_prefixes()):
        raise ApplicationError(
            "invalid_phone",
            "На номера этого диапазона коды не отправляются: SMS на них тарифицируются как международные или "
            "платные. Укажите номер российского мобильного оператора.",
            "Codes are not sent to numbers of this range: messages to them are billed as international or "
            "premium-rate. Please give the number of a Russian mobile operator.",
            status=422,
            details={"reason": "blocked_range"},
        )
    return e164


def _lock_phone(digest: str) -> PhoneLockout:
    """The number's lock row, created if needed and taken FOR UPDATE. Call inside a transaction."""
    for _attempt in range(3):
        PhoneLockout.objects.get_or_create(phone_hash=digest)
        lock = PhoneLockout.objects.select_for_update().filter(phone_hash=digest).first()
        if lock is not None:  # absent only if a purge deleted it between the two statements
            return lock
    raise RuntimeError("could not lock the phone row")


def _lock_address(address: str) -> None:
    """The address's lock row, created if needed and taken FOR UPDATE. Call inside a transaction, after
    `_lock_phone` (one order everywhere, so two requests never wait for each other in a cycle)."""
    for _attempt in range(3):
        ClientAddressLock.objects.get_or_create(address=address)
        if ClientAddressLock.objects.select_for_update().filter(address=address).exists():
            return
    raise RuntimeError("could not lock the address row")


def _is_locked(lock: PhoneLockout, now: dt.datetime) -> bool:
    return lock.locked_until is not None and lock.locked_until > now


# --- requesting a code -------------------------------------------------------------------------------------


def otp_request(*, phone_raw: str, client_ip: str | None) -> None:
    """Send a one-time code to the number, if the limits allow. The SMS goes out after the commit.

    Raises ApplicationError: `invalid_phone` (422), `locked_out` (429), `too_many_codes` (429, with
    `details.reason` = `resend_interval` | `per_number` | `per_address` and `details.retry_after_seconds`),
    `sms_failed` (503: the gateway did not take the message; the code still counts towards the limits).
    """
    e164 = _phone_for_sms(phone_raw)
    digest = phone_hash(e164)
    address = client_address_key(client_ip)
    limits = otp_limits()
    code = _code_generate()

    with transaction.atomic():
        now = timezone.now()
        lock = _lock_phone(digest)
        if _is_locked(lock, now):
            raise _locked_out_error(lock)

        sent_to_number = OneTimeCode.objects.filter(phone_hash=digest, created_at__gt=now - LIMIT_WINDOW)
        latest = sent_to_number.order_by("-created_at").values_list("created_at", flat=True).first()
        if latest is not None and limits.resend_interval and now < latest + limits.resend_interval:
            wait = _seconds_until(latest + limits.resend_interval, now)
            raise ApplicationError(
                "too_many_codes",
                f"Код уже отправлен. Новый код можно запросить через {wait} с.",
                f"A code has just been sent. You can ask for a new one in {wait} s.",
                status=429,
                details={"reason": "resend_interval", "retry_after_seconds": wait},
            )
        if sent_to_number.count() >= limits.codes_per_number_per_hour:
            oldest = sent_to_number.aggregate(oldest=Min("created_at"))["oldest"]
            wait = _seconds_until(oldest + LIMIT_WINDOW, now)
            raise ApplicationError(
                "too_many_codes",
                f"На этот номер уже отправлено {limits.codes_per_number_per_hour} кодов за час. "
                f"Попробуйте через {math.ceil(wait / 60)} мин.",
                f"{limits.codes_per_number_per_hour} codes have been sent to this number within an hour. "
                f"Please try again in {math.ceil(wait / 60)} min.",
                status=429,
                details={"reason": "per_number", "limit": limits.codes_per_number_per_hour,
                         "retry_after_seconds": wait},
            )

        crowded = False
        if address is not None:
            _lock_address(address)
            sent_to_address = OneTimeCode.objects.filter(client_ip=address, created_at__gt=now - LIMIT_WINDOW)
            from_address = sent_to_address.count()
            if from_address >= limits.codes_per_address_hard_per_hour:
                oldest = sent_to_address.aggregate(oldest=Min("created_at"))["oldest"]
                raise _too_many_codes("per_address", limits.codes_per_address_hard_per_hour,
                                      _seconds_until(oldest + LIMIT_WINDOW, now))
            # Past the soft limit the address is shared by many people (a carrier's NAT) or abused: either way
            # the code still goes out, from the budget all crowded addresses share.
            crowded = from_address >= limits.codes_per_address_per_hour
        _take_budgets(e164=e164, crowded=crowded, limits=limits)

        OneTimeCode.objects.create(
            phone_hash=digest,
            code_hash=_code_digest(phone_digest=digest, code=code),
            client_ip=address,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
        transaction.on_commit(lambda: _deliver(e164=e164, code=code))


def _too_many_codes(reason: str, limit: int, wait: int) -> ApplicationError:
    minutes = math.ceil(wait / 60)
    if reason == "per_address":
        message_ru = f"С вашего адреса запрошено слишком много кодов. Попробуйте через {minutes} мин."
        message_en = (f"Too many codes have been requested from your network address. "
                      f"Please try again in {minutes} min.")
    else:  # per_range, crowded, global: the platform's budgets against SMS pumping
        message_ru = f"Сейчас запрошено слишком много кодов. Попробуйте через {minutes} мин."
        message_en = f"Too many codes are being requested right now. Please try again in {minutes} min."
    return ApplicationError("too_many_codes", message_ru, message_en, status=429,
                            details={"reason": reason, "limit": limit, "retry_after_seconds": wait})


def _take_budgets(*, e164: str, crowded: bool, limits: OtpLimits) -> None:
    """Take one code from the budgets shared by many numbers: the number's block of 10,000 (pumping walks
    through consecutive numbers), the crowded addresses' budget (when the address is past its soft limit),
    and the global one (the ceiling of what an attack can cost). Call inside the request's transaction, after
    the number's and the address's locks: a refusal rolls every budget back."""
    budgets = [("otp-range", e164[:RANGE_PREFIX_LENGTH], limits.codes_per_range_per_hour, "per_range")]
    if crowded:
        budgets.append(("otp-crowded", "all", limits.codes_crowded_per_hour, "crowded"))
    budgets.append(("otp-global", "all", limits.codes_global_per_hour, "global"))
    for scope, key, limit, reason in budgets:
        wait = rate_limit_take(scope=scope, key=key, limit=limit, window=LIMIT_WINDOW)
        if wait is not None:
            logger.warning("one-time codes: the %s budget (%d an hour) is used up", reason, limit)
            raise _too_many_codes(reason, limit, wait)


def _deliver(*, e164: str, code: str) -> None:
    try:
        sms_send(phone=e164, text=SMS_TEXT.format(code=code))
    except SmsDeliveryError as exc:
        logger.error("one-time code not delivered: %s", exc)
        raise ApplicationError(
            "sms_failed",
            "Не удалось отправить SMS с кодом. Попробуйте ещё раз через минуту.",
            "The SMS with the code could not be sent. Please try again in a minute.",
            status=503,
        ) from exc


# --- verifying a code --------------------------------------------------------------------------------------


def _code_clean(code: str) -> str:
    cleaned = "".join((code or "").split()).replace("-", "")
    if len(cleaned) != CODE_DIGITS or not cleaned.isascii() or not cleaned.isdigit():
        raise ApplicationError(
            "invalid_code",
            "Введите код из SMS: 6 цифр.",
            "Enter the code from the SMS: 6 digits.",
            status=422,
            details={"attempts_left": None},
        )
    return cleaned


def _check_code_locked(
    *, digest: str, code: str, lock: PhoneLockout, now: dt.datetime
) -> ApplicationError | dt.datetime:
    """Compare the code with the number's newest unexpired unused code, recording a failure or the use.

    Precondition: inside a transaction holding SELECT … FOR UPDATE on `lock`. Returns the refusal to raise
    AFTER the transaction commits (so that a wrong try is recorded) or, when the code is right, when it was
    asked for (a detection signal: how long it took to type it in).
    """
    if _is_locked(lock, now):
        return _locked_out_error(lock)
    current = (
        OneTimeCode.objects.filter(phone_hash=digest, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-id")
        .first()
    )
    if current is None:
        return ApplicationError(
            "code_expired",
            "Код устарел или уже использован. Запросите новый код.",
            "The code has expired or has already been used. Please ask for a new code.",
            status=422,
        )
    if current.failed_attempts >= MAX_WRONG_TRIES:
        return ApplicationError(
            "too_many_attempts",
            "Этот код больше не действует: слишком много неверных попыток. Запросите новый код.",
            "This code is no longer valid: too many wrong tries. Please ask for a new code.",
            status=429,
        )
    if hmac.compare_digest(current.code_hash, _code_digest(phone_digest=digest, code=code)):
        # Used now; any older unused code of the number dies with it.
        OneTimeCode.objects.filter(phone_hash=digest, used_at__isnull=True).update(used_at=now)
        if lock.lockouts or lock.wrong_tries:
            lock.lockouts = 0
            lock.wrong_tries, lock.wrong_tries_since = 0, None
            lock.save(update_fields=["lockouts", "wrong_tries", "wrong_tries_since"])
        return current.created_at

    current.failed_attempts += 1
    current.save(update_fields=["failed_attempts"])
    # Counted per number, not per code: asking for a fresh code must not buy fresh guesses.
    if lock.wrong_tries_since is None or now - lock.wrong_tries_since > WRONG_TRIES_WINDOW:
        lock.wrong_tries, lock.wrong_tries_since = 0, now
    lock.wrong_tries += 1
    lock.save(update_fields=["wrong_tries", "wrong_tries_since"])
    attempts_left = MAX_WRONG_TRIES - max(lock.wrong_tries, current.failed_attempts)
    if attempts_left > 0:
        return ApplicationError(
            "invalid_code",
            f"Неверный код. Осталось попыток: {attempts_left}.",
            f"Wrong code. Attempts left: {attempts_left}.",
            status=422,
            details={"attempts_left": attempts_left},
        )
    if lock.locked_until is not None and now - lock.locked_until > LOCKOUT_FORGET_AFTER:
        lock.lockouts = 0
    step = LOCKOUT_STEPS[min(lock.lockouts, len(LOCKOUT_STEPS) - 1)]
    lock.lockouts += 1
    lock.locked_until = now + step
    lock.wrong_tries, lock.wrong_tries_since = 0, None
    # The code dies with the lock-out, so that it cannot be tried again afterwards.
    current.failed_attempts = max(current.failed_attempts, MAX_WRONG_TRIES)
    current.save(update_fields=["failed_attempts"])
    lock.save(update_fields=["lockouts", "locked_until", "wrong_tries", "wrong_tries_since"])
    logger.warning("number %s… locked out for %s after %d wrong codes", digest[:10], step, MAX_WRONG_TRIES)
    return _locked_out_error(lock, code="too_many_attempts")


def _identity_for(digest: str) -> VoterIdentity:
    identity, _created = VoterIdentity.objects.get_or_create(phone_hash=digest)
    return identity


def otp_verify(*, phone_raw: str, code: str, client_ip: str | None) -> VoterIdentity:
    """Check a code; on success the code is used up and the person's identity is returned (created if new).

    Raises ApplicationError: `invalid_phone`, `invalid_code` (422, `details.attempts_left`), `code_expired`
    (422), `too_many_attempts` (429: the code is dead and the number locked out), `locked_out` (429).
    """
    return otp_verify_with_facts(phone_raw=phone_raw, code=code, client_ip=client_ip)[0]


def otp_verify_with_facts(*, phone_raw: str, code: str, client_ip: str | None) -> tuple[VoterIdentity, Verification]:
    """`otp_verify`, and what the verification showed (for the voter's detection signals, given to
    `voter_register` at the next step: the clear number is not kept until then, its block's hash is)."""
    e164 = phone_normalise(phone_raw)
    digest = phone_hash(e164)
    cleaned = _code_clean(code)
    with transaction.atomic():
        now = timezone.now()
        lock = _lock_phone(digest)
        outcome = _check_code_locked(digest=digest, code=cleaned, lock=lock, now=now)
        identity = _identity_for(digest) if not isinstance(outcome, ApplicationError) else None
    if isinstance(outcome, ApplicationError):
        raise outcome
    assert identity is not None
    return identity, Verification.of(e164=e164, code_requested_at=outcome, verified_at=now)


def identity_for_verified_phone(*, phone_raw: str) -> VoterIdentity:
    """The identity of a number that another trusted channel has already verified (Telegram's «share my
    contact» for the user's own number), created if new. Web and API log-ins use `otp_verify` instead.

    Same number, same identity, whichever channel: that is what makes one person one voter per season.
    """
    digest = phone_hash(phone_normalise(phone_raw))
    with transaction.atomic():
        _lock_phone(digest)  # serialises with code verifications of the same number
        return _identity_for(digest)


# --- registering in a season -------------------------------------------------------------------------------


def _season_required(season: Season | None) -> Season:
    if season is None:
        raise ApplicationError(
            "voting_not_open",
            "Голосование пока не объявлено: сезон премии ещё не создан.",
            "Voting has not been announced: no award season exists yet.",
            status=409,
        )
    return season


def _registration_check(*, season: Season, city_slug: str, consent: bool) -> tuple[City, ConsentDocument]:
    """What can be checked before anything is written: the city takes part in the season, consent is given,
    the consent text exists. Returns (city, consent document)."""
    city = season.cities.filter(slug=(city_slug or "").strip()).first()
    if city is None:
        raise ApplicationError(
            "unknown_city",
            "Выберите город из списка городов-участников сезона.",
            "Choose a city from the list of the season's participating cities.",
            status=422,
            details={"cities": sorted(season.cities.values_list("slug", flat=True))},
        )
    if consent is not True:
        raise ApplicationError(
            "consent_required",
            "Чтобы голосовать, нужно согласие на обработку персональных данных.",
            "To vote you need to consent to the processing of your personal data.",
            status=422,
        )
    return city, consent_current(kind=ConsentKind.VOTER)


def voter_register(
    *, season: Season | None, identity: VoterIdentity, city_slug: str, consent: bool, channel: str,
    verification: Verification | None = None,
) -> SeasonVoter:
    """Register a verified person as a voter of the season in the city they live in, with their consent.

    Idempotent for the same person and season: the registration is returned (its consent record renewed
    with the current text). The city may change until the first vote; after it, it is fixed for the season
    (`city_fixed`, 409). Other refusals: `voting_not_open` (no season), `unknown_city`, `consent_required`.
    Locks the voter row (SELECT … FOR UPDATE) so that a city change cannot interleave with a vote.

    `verification` (what the verification that led here showed) is kept as the voter's `VoterSignal`, the
    latest replacing an earlier one, in the same transaction.
    """
    season = _season_required(season)
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    city, document = _registration_check(season=season, city_slug=city_slug, consent=consent)
    with transaction.atomic():
        now = timezone.now()
        # No join in the locking query: on PostgreSQL a row re-checked after waiting for a lock is joined
        # with the old version of the other table's row, so a city changed meanwhile would hide the voter.
        voter = SeasonVoter.objects.select_for_update().filter(season=season, identity=identity).first()
        if voter is None:
            try:
                with transaction.atomic():
                    voter = SeasonVoter.objects.create(
                        season=season, identity=identity, city=city, consent_document=document,
                        consent_given_at=now, registered_via=channel,
                    )
                    _voter_signal_keep(voter=voter, identity=identity, verification=verification)
                    return voter
            except IntegrityError:  # registered by a parallel request a moment ago
                voter = SeasonVoter.objects.select_for_update().get(season=season, identity=identity)
        if voter.city_id != city.pk and voter.votes_cast > 0:
            raise ApplicationError(
                "city_fixed",
                f"Вы уже голосовали в этом сезоне за соискателей города «{voter.city.name_ru}». "
                "Город нельзя сменить до конца сезона.",
                f"You have already voted in this season for candidates of {voter.city.name_en}. "
                "The city cannot be changed until the season ends.",
                status=409,
                details={"city": voter.city.slug},
            )
        voter.city = city
        voter.consent_document = document
        voter.consent_given_at = now
        voter.save(update_fields=["city", "consent_document", "consent_given_at"])
        _voter_signal_keep(voter=voter, identity=identity, verification=verification)
        return voter


def _voter_signal_keep(*, voter: SeasonVoter, identity: VoterIdentity, verification: Verification | None) -> None:
    """Keep the verification's signals for the voter (in the caller's transaction, holding the voter's row).
    Without a verification (a registration renewed from a session) the earlier signals stay."""
    if verification is None:
        return
    VoterSignal.objects.update_or_create(voter=voter, defaults={
        "season_id": voter.season_id, "phone_block": verification.phone_block,
        "code_requested_at": verification.code_requested_at, "verified_at": verification.verified_at,
        "telegram_bucket": verification.telegram_bucket, "identity_first_seen_at": identity.created_at,
    })


def voter_verify_and_register(
    *, season: Season | None, phone_raw: str, code: str, city_slug: str, consent: bool, channel: str,
    client_ip: str | None,
) -> SeasonVoter:
    """The API's one-step log-in: check the code and register in the season in one transaction.

    Everything that can be refused without the code (season, city, consent, the code's shape) is checked
    first, so a mistake there does not use the code up. If the registration is refused after a correct code
    (`city_fixed`), the whole transaction rolls back and the code stays valid for another try. A wrong code
    is recorded (and may lock the number out) before the refusal is raised.
    """
    season = _season_required(season)
    e164 = phone_normalise(phone_raw)
    digest = phone_hash(e164)
    cleaned = _code_clean(code)
    _registration_check(season=season, city_slug=city_slug, consent=consent)
    with transaction.atomic():
        now = timezone.now()
        lock = _lock_phone(digest)
        outcome = _check_code_locked(digest=digest, code=cleaned, lock=lock, now=now)
        if not isinstance(outcome, ApplicationError):
            return voter_register(
                season=season, identity=_identity_for(digest), city_slug=city_slug, consent=consent,
                channel=channel, verification=Verification.of(e164=e164, code_requested_at=outcome, verified_at=now),
            )
    raise outcome


# --- housekeeping ------------------------------------------------------------------------------------------


def otp_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> dict[str, int]:
    """Delete one-time codes older than `older_than` (they count towards no limit any more) and the lock rows
    that guard nothing: numbers with no recent code and no lock-out to remember, addresses with no recent
    code. Run daily (`manage.py otp_purge`)."""
    if older_than < LIMIT_WINDOW:
        raise ValueError("codes younger than the limit window still count towards the limits")
    now = timezone.now()
    cutoff = now - older_than
    with transaction.atomic():
        codes, _ = OneTimeCode.objects.filter(created_at__lt=cutoff).delete()
        recent_numbers = OneTimeCode.objects.values("phone_hash")
        forget_before = now - LOCKOUT_FORGET_AFTER
        phones, _ = (
            PhoneLockout.objects.exclude(phone_hash__in=recent_numbers)
            .exclude(locked_until__gte=forget_before)
            .delete()
        )
        recent_addresses = OneTimeCode.objects.filter(client_ip__isnull=False).values("client_ip")
        addresses, _ = ClientAddressLock.objects.exclude(address__in=recent_addresses).delete()
    return {"codes": codes, "numbers": phones, "addresses": addresses}


# --- registering many verified people at once ----------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedRegistration:
    """One person whose number a trusted channel has already verified, to register in a season."""

    e164: str
    city_id: int
    channel: str
    code_requested_at: dt.datetime | None
    verified_at: dt.datetime
    telegram_user_id: int | None = None


BULK_CHUNK = 2000


def voters_register_verified(*, season: Season, registrations: list[VerifiedRegistration]) -> list[int]:
    """Register many already-verified people as voters of the season, with the current consent text and their
    verification's signals; returns the `SeasonVoter` ids in the order given. For the season simulator, which
    plays a season's sign-ups in bulk (no SMS is sent: the numbers count as verified at `verified_at`).

    The same rules hold as for `voter_register`, by the same database constraints: one identity per number
    (the keyed hash, unique), one voter per identity and season. A person already registered in the season
    keeps their registration and city (as `voter_register` would once they voted); their signals are renewed.
    The consent is recorded at `verified_at`. Each chunk is one transaction.
    """
    document = consent_current(kind=ConsentKind.VOTER)
    cities = set(season.cities.values_list("pk", flat=True))
    unknown = {item.city_id for item in registrations} - cities
    if unknown:
        raise ValueError(f"cities {sorted(unknown)} do not take part in season {season.year}")
    voter_ids: list[int] = []
    for start in range(0, len(registrations), BULK_CHUNK):
        chunk = registrations[start:start + BULK_CHUNK]
        digests = [phone_hash(phone_normalise(item.e164)) for item in chunk]
        with transaction.atomic():
            VoterIdentity.objects.bulk_create([VoterIdentity(phone_hash=d) for d in set(digests)],
                                              ignore_conflicts=True)
            identities = dict(VoterIdentity.objects.filter(phone_hash__in=digests).values_list("phone_hash", "id"))
            created = dict(VoterIdentity.objects.filter(phone_hash__in=digests).values_list("id", "created_at"))
            SeasonVoter.objects.bulk_create([
                SeasonVoter(season=season, identity_id=identities[digest], city_id=item.city_id,
                            consent_document=document, consent_given_at=item.verified_at, registered_via=item.channel)
                for digest, item in zip(digests, chunk, strict=True)
            ], ignore_conflicts=True)
            voters = dict(SeasonVoter.objects.filter(season=season, identity_id__in=identities.values())
                          .values_list("identity_id", "id"))
            ids = [voters[identities[digest]] for digest in digests]
            signals = {
                voter_id: VoterSignal(
                    voter_id=voter_id, season=season, code_requested_at=item.code_requested_at,
                    verified_at=item.verified_at,
                    phone_block=phone_block_hash(item.e164), telegram_bucket=telegram_bucket(item.telegram_user_id),
                    # the first verification in the simulated season, unless the identity is older
                    identity_first_seen_at=min(created[identities[digest]], item.verified_at),
                )
                for voter_id, digest, item in zip(ids, digests, chunk, strict=True)
            }
            VoterSignal.objects.bulk_create(
                list(signals.values()), update_conflicts=True, unique_fields=["voter"],
                update_fields=["phone_block", "code_requested_at", "verified_at", "telegram_bucket",
                               "identity_first_seen_at"],
            )
        voter_ids.extend(ids)
    return voter_ids


def voter_signal_reverify(*, voter_id: int, code_requested_at: dt.datetime | None, verified_at: dt.datetime) -> None:
    """A registered voter verified their number again (a new session on another day): the latest counts."""
    VoterSignal.objects.filter(voter_id=voter_id).update(code_requested_at=code_requested_at, verified_at=verified_at)
