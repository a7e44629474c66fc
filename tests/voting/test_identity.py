"""Phone identity: normalisation, the keyed hash, one-time codes (limits, expiry, wrong tries, lock-outs),
registration in a season — through the services, and under parallel requests on both databases."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core import serializers
from django.db import transaction

from atomgrad.award.models import ConsentDocument, ConsentKind
from atomgrad.core.errors import ApplicationError
from atomgrad.voting.models import (
    ClientAddressLock,
    OneTimeCode,
    PhoneLockout,
    SeasonVoter,
    VoterIdentity,
    VoterToken,
)
from atomgrad.voting.phones import phone_hash, phone_normalise
from atomgrad.voting.services.identity import (
    client_address_key,
    identity_for_verified_phone,
    otp_purge,
    otp_request,
    otp_verify,
    voter_register,
    voter_verify_and_register,
)
from tests.concurrency import run_each
from tests.factories import CityFactory, SeasonFactory, SeasonVoterFactory
from tests.voting.otp_support import PHONE, PHONE_SPELLINGS, last_code, sms_lines

IP = "203.0.113.7"


@pytest.fixture
def no_interval(settings):  # type: ignore[no-untyped-def]
    settings.OTP_RESEND_INTERVAL_SECONDS = 0


def request_code(phone: str = PHONE, ip: str | None = IP, *, capture) -> None:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        otp_request(phone_raw=phone, client_ip=ip)


def refusal(func, **kwargs) -> ApplicationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError) as info:
        func(**kwargs)
    return info.value


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- normalisation and the keyed hash ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["+79857654321", "89857654321", "8 985 765-43-21", "8 (985) 765-43-21", "+7 (985) 765 43 21",
     " +7-985-765-43-21 ", "9857654321", "7 985 765 43 21"],
)
def test_phone_normalise_spellings_of_one_number(raw):
    assert phone_normalise(raw) == PHONE


@pytest.mark.parametrize("raw", ["", "   ", "abc", "12345", "+7 985 765", "8 985 765-43-21-99-99", "+7 000 000-00-00"])
def test_phone_normalise_refuses_garbage_in_both_languages(raw):
    error = refusal(phone_normalise, raw=raw)
    assert error.code == "invalid_phone" and error.status == 422
    assert "номер" in error.message_ru and "number" in error.message_en


def test_phone_hash_is_keyed_and_hides_the_number(settings):
    digest = phone_hash(PHONE)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert "9857654321" not in digest and digest == phone_hash(PHONE)
    assert phone_hash("+79857654322") != digest
    settings.PHONE_HASH_KEY = "another-server-key"
    assert phone_hash(PHONE) != digest


def test_client_address_key_counts_ipv6_by_its_64_network():
    assert client_address_key("203.0.113.7") == "203.0.113.7"
    assert client_address_key("2001:db8:1:2:aaaa::1") == client_address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::"
    assert client_address_key("2001:db8:1:3::1") != client_address_key("2001:db8:1:2::1")
    assert client_address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_address_key("not an address") is None and client_address_key(None) is None


# --- requesting codes ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_code_is_sent_after_commit_and_stored_only_as_a_keyed_hash(sms_file, django_capture_on_commit_callbacks):
    request_code("8 (985) 765-43-21", capture=django_capture_on_commit_callbacks)
    [(phone, text, code)] = sms_lines(sms_file)
    assert phone == PHONE
    assert text == f"Код для голосования «Новые Созидатели»: {code}. Никому не сообщайте его."
    row = OneTimeCode.objects.get()
    assert row.phone_hash == phone_hash(PHONE) and row.client_ip == IP
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == dt.timedelta(minutes=5)


@pytest.mark.django_db
def test_no_sms_when_the_transaction_rolls_back(sms_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        otp_request(phone_raw=PHONE, client_ip=IP)
        raise RuntimeError("something later in the same transaction failed")
    assert sms_lines(sms_file) == [] and not OneTimeCode.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["+380501234567", "+7 701 123-45-67", "+7 (495) 123-45-67"])
def test_codes_go_only_to_russian_mobile_numbers(raw, sms_file):
    error = refusal(otp_request, phone_raw=raw, client_ip=IP)
    assert error.code == "invalid_phone" and "мобильн" in error.message_ru and "mobile" in error.message_en
    assert not OneTimeCode.objects.exists()


@pytest.mark.django_db
def test_resend_interval(sms_file, clock, django_capture_on_commit_callbacks):
    request_code(capture=django_capture_on_commit_callbacks)
    clock.advance(seconds=30)
    error = refusal(otp_request, phone_raw=PHONE, client_ip=IP)
    assert (error.code, error.status, error.details["reason"]) == ("too_many_codes", 429, "resend_interval")
    assert error.details["retry_after_seconds"] == 30 and "30" in error.message_ru and "30" in error.message_en
    clock.advance(seconds=30)
    request_code(capture=django_capture_on_commit_callbacks)
    assert len(sms_lines(sms_file)) == 2


@pytest.mark.django_db
def test_per_number_hourly_limit(sms_file, clock, django_capture_on_commit_callbacks, no_interval, settings):
    settings.OTP_CODES_PER_NUMBER_PER_HOUR = 5
    for _ in range(5):
        request_code(capture=django_capture_on_commit_callbacks)
        clock.advance(minutes=1)
    error = refusal(otp_request, phone_raw=PHONE, client_ip="198.51.100.1")
    assert (error.code, error.status, error.details["reason"]) == ("too_many_codes", 429, "per_number")
    assert error.details["limit"] == 5 and "час" in error.message_ru and "hour" in error.message_en
    assert len(sms_lines(sms_file)) == 5
    clock.advance(minutes=56)  # the first code leaves the one-hour window
    request_code(capture=django_capture_on_commit_callbacks)
    assert len(sms_lines(sms_file)) == 6


@pytest.mark.django_db
def test_per_address_hourly_limit(sms_file, clock, django_capture_on_commit_callbacks, settings):
    settings.OTP_CODES_PER_ADDRESS_HARD_PER_HOUR = 20
    for n in range(20):
        request_code(f"+7985000{n:04d}", ip=IP, capture=django_capture_on_commit_callbacks)
    error = refusal(otp_request, phone_raw="+79850009999", client_ip=IP)
    assert (error.code, error.status, error.details["reason"]) == ("too_many_codes", 429, "per_address")
    assert "адрес" in error.message_ru and "address" in error.message_en
    request_code("+79850009999", ip="198.51.100.1", capture=django_capture_on_commit_callbacks)
    clock.advance(hours=1, seconds=1)
    request_code("+79850009998", ip=IP, capture=django_capture_on_commit_callbacks)
    assert len(sms_lines(sms_file)) == 22


@pytest.mark.django_db
def test_per_address_limit_counts_an_ipv6_subnet_as_one_address(sms_file, django_capture_on_commit_callbacks, settings):
    settings.OTP_CODES_PER_ADDRESS_HARD_PER_HOUR = 3
    for n in range(3):
        request_code(f"+7985000{n:04d}", ip=f"2001:db8:5:6::{n + 1}", capture=django_capture_on_commit_callbacks)
    error = refusal(otp_request, phone_raw="+79850009999", client_ip="2001:db8:5:6:ffff::1")
    assert error.details["reason"] == "per_address"


@pytest.mark.django_db
def test_sms_gateway_failure_is_a_clear_refusal(settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/unreachable"  # the discard port: nothing listens
    settings.SMS_HTTP_RETRIES = 0
    settings.SMS_HTTP_TIMEOUT = 2
    with pytest.raises(ApplicationError) as info, django_capture_on_commit_callbacks(execute=True):
        otp_request(phone_raw=PHONE, client_ip=IP)
    assert (info.value.code, info.value.status) == ("sms_failed", 503)
    assert "SMS" in info.value.message_ru and "SMS" in info.value.message_en


# --- verifying codes ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_correct_code_creates_the_identity_once_and_is_single_use(sms_file, django_capture_on_commit_callbacks):
    request_code(capture=django_capture_on_commit_callbacks)
    code = last_code(sms_file)
    identity = otp_verify(phone_raw="8 985 765 43 21", code=f" {code[:3]} {code[3:]} ", client_ip=IP)
    assert identity.phone_hash == phone_hash(PHONE)
    error = refusal(otp_verify, phone_raw=PHONE, code=code, client_ip=IP)
    assert error.code == "code_expired" and "новый код" in error.message_ru and "new code" in error.message_en
    assert VoterIdentity.objects.count() == 1


@pytest.mark.django_db
def test_same_number_is_the_same_identity_next_time(sms_file, clock, django_capture_on_commit_callbacks):
    request_code(capture=django_capture_on_commit_callbacks)
    first = otp_verify(phone_raw=PHONE, code=last_code(sms_file), client_ip=IP)
    clock.advance(minutes=2)
    request_code(capture=django_capture_on_commit_callbacks)
    second = otp_verify(phone_raw=PHONE, code=last_code(sms_file), client_ip=IP)
    assert first.pk == second.pk and VoterIdentity.objects.count() == 1


@pytest.mark.django_db
def test_a_number_verified_elsewhere_is_the_same_identity(sms_file, django_capture_on_commit_callbacks):
    """The Telegram channel verifies a number by the user's shared contact: same number, same person."""
    from_telegram = identity_for_verified_phone(phone_raw="79857654321")
    request_code(capture=django_capture_on_commit_callbacks)
    from_web = otp_verify(phone_raw=PHONE, code=last_code(sms_file), client_ip=IP)
    assert from_web.pk == from_telegram.pk and VoterIdentity.objects.count() == 1
    assert refusal(identity_for_verified_phone, phone_raw="nonsense").code == "invalid_phone"


@pytest.mark.django_db
def test_code_expires_after_five_minutes(sms_file, clock, django_capture_on_commit_callbacks):
    request_code(capture=django_capture_on_commit_callbacks)
    code = last_code(sms_file)
    clock.advance(minutes=5)
    error = refusal(otp_verify, phone_raw=PHONE, code=code, client_ip=IP)
    assert (error.code, error.status) == ("code_expired", 422)


@pytest.mark.django_db
def test_code_still_valid_just_before_five_minutes(sms_file, clock, django_capture_on_commit_callbacks):
    request_code(capture=django_capture_on_commit_callbacks)
    clock.advance(minutes=4, seconds=59)
    assert otp_verify(phone_raw=PHONE, code=last_code(sms_file), client_ip=IP)


@pytest.mark.django_db
def test_only_the_newest_code_counts(sms_file, clock, django_capture_on_commit_callbacks):
    request_code(capture=django_capture_on_commit_callbacks)
    older = last_code(sms_file)
    clock.advance(minutes=1)
    request_code(capture=django_capture_on_commit_callbacks)
    newer = last_code(sms_file)
    if older != newer:
        assert refusal(otp_verify, phone_raw=PHONE, code=older, client_ip=IP).code == "invalid_code"
    assert otp_verify(phone_raw=PHONE, code=newer, client_ip=IP)
    # and the older one died with the use of the newer one
    assert refusal(otp_verify, phone_raw=PHONE, code=older, client_ip=IP).code == "code_expired"


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_malformed_code_is_refused_without_using_a_try(code, sms_file, django_capture_on_commit_callbacks):
    request_code(capture=django_capture_on_commit_callbacks)
    error = refusal(otp_verify, phone_raw=PHONE, code=code, client_ip=IP)
    assert error.code == "invalid_code" and "6" in error.message_ru and "6" in error.message_en
    assert OneTimeCode.objects.get().failed_attempts == 0


@pytest.mark.django_db
def test_five_wrong_tries_kill_the_code_and_lock_the_number(sms_file, clock, django_capture_on_commit_callbacks):
    request_code(capture=django_capture_on_commit_callbacks)
    code = last_code(sms_file)
    for attempts_left in (4, 3, 2, 1):
        error = refusal(otp_verify, phone_raw=PHONE, code=wrong(code), client_ip=IP)
        assert (error.code, error.status, error.details["attempts_left"]) == ("invalid_code", 422, attempts_left)
        assert str(attempts_left) in error.message_ru and str(attempts_left) in error.message_en
    error = refusal(otp_verify, phone_raw=PHONE, code=wrong(code), client_ip=IP)
    assert (error.code, error.status) == ("too_many_attempts", 429)
    lock = PhoneLockout.objects.get(phone_hash=phone_hash(PHONE))
    assert lock.locked_until == clock.now + dt.timedelta(minutes=15) and lock.lockouts == 1
    assert "МСК" in error.message_ru and "MSK" in error.message_en
    # locked: even the right code and a new code are refused, saying until when
    error = refusal(otp_verify, phone_raw=PHONE, code=code, client_ip=IP)
    assert (error.code, error.status) == ("locked_out", 429)
    error = refusal(otp_request, phone_raw=PHONE, client_ip=IP)
    assert error.code == "locked_out" and "МСК" in error.message_ru
    assert error.details["locked_until"] == lock.locked_until.isoformat()
    assert error.details["retry_after_seconds"] == 15 * 60


@pytest.mark.django_db
def test_lockout_grows_with_repeated_failures_and_a_success_resets_it(
    sms_file, clock, django_capture_on_commit_callbacks
):
    def fail_five_times() -> dt.timedelta:
        request_code(capture=django_capture_on_commit_callbacks)
        code = last_code(sms_file)
        for _ in range(5):
            with pytest.raises(ApplicationError):
                otp_verify(phone_raw=PHONE, code=wrong(code), client_ip=IP)
        lock = PhoneLockout.objects.get(phone_hash=phone_hash(PHONE))
        duration = lock.locked_until - clock.now
        clock.now = lock.locked_until + dt.timedelta(seconds=1)
        return duration

    steps = [fail_five_times() for _ in range(5)]
    assert steps == [dt.timedelta(minutes=15), dt.timedelta(hours=1), dt.timedelta(hours=4),
                     dt.timedelta(hours=24), dt.timedelta(hours=24)]
    request_code(capture=django_capture_on_commit_callbacks)
    otp_verify(phone_raw=PHONE, code=last_code(sms_file), client_ip=IP)
    clock.advance(minutes=1)
    assert fail_five_times() == dt.timedelta(minutes=15)


@pytest.mark.django_db
def test_lockout_escalation_is_forgotten_after_a_quiet_week(sms_file, clock, django_capture_on_commit_callbacks):
    for _ in range(2):
        request_code(capture=django_capture_on_commit_callbacks)
        code = last_code(sms_file)
        for _ in range(5):
            with pytest.raises(ApplicationError):
                otp_verify(phone_raw=PHONE, code=wrong(code), client_ip=IP)
        clock.now = PhoneLockout.objects.get().locked_until + dt.timedelta(days=8)
    request_code(capture=django_capture_on_commit_callbacks)
    code = last_code(sms_file)
    for _ in range(5):
        with pytest.raises(ApplicationError):
            otp_verify(phone_raw=PHONE, code=wrong(code), client_ip=IP)
    assert PhoneLockout.objects.get().locked_until - clock.now == dt.timedelta(minutes=15)


@pytest.mark.django_db
def test_verify_without_any_code(sms_file):
    error = refusal(otp_verify, phone_raw=PHONE, code="123456", client_ip=IP)
    assert error.code == "code_expired" and not VoterIdentity.objects.exists()


# --- registering in a season -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_records_city_consent_and_is_idempotent(voting_season, clock):
    identity = VoterIdentity.objects.create(phone_hash=phone_hash(PHONE))
    voter = voter_register(season=voting_season, identity=identity, city_slug="sarov", consent=True, channel="web")
    assert voter.city.slug == "sarov" and voter.registered_via == "web" and voter.votes_cast == 0
    assert voter.consent_document == ConsentDocument.objects.get(kind=ConsentKind.VOTER)
    assert voter.consent_given_at == clock.now
    again = voter_register(season=voting_season, identity=identity, city_slug="sarov", consent=True, channel="api")
    assert again.pk == voter.pk and SeasonVoter.objects.count() == 1
    assert again.registered_via == "web"  # the first channel is kept


@pytest.mark.django_db
def test_register_refusals(voting_season):
    identity = VoterIdentity.objects.create(phone_hash=phone_hash(PHONE))
    CityFactory(slug="not-in-season")
    for slug in ("not-in-season", "", "atlantis"):
        error = refusal(voter_register, season=voting_season, identity=identity, city_slug=slug, consent=True,
                        channel="web")
        assert (error.code, error.status) == ("unknown_city", 422)
        assert sorted(error.details["cities"]) == ["ozersk", "sarov"]
    error = refusal(voter_register, season=voting_season, identity=identity, city_slug="sarov", consent=False,
                    channel="web")
    assert (error.code, error.status) == ("consent_required", 422)
    assert "согласие" in error.message_ru and "consent" in error.message_en
    error = refusal(voter_register, season=None, identity=identity, city_slug="sarov", consent=True, channel="web")
    assert (error.code, error.status) == ("voting_not_open", 409)
    assert not SeasonVoter.objects.exists()


@pytest.mark.django_db
def test_city_can_change_before_the_first_vote_and_is_fixed_after(voting_season):
    identity = VoterIdentity.objects.create(phone_hash=phone_hash(PHONE))
    voter = voter_register(season=voting_season, identity=identity, city_slug="sarov", consent=True, channel="web")
    voter = voter_register(season=voting_season, identity=identity, city_slug="ozersk", consent=True, channel="web")
    assert voter.city.slug == "ozersk"
    SeasonVoter.objects.filter(pk=voter.pk).update(votes_cast=1)
    error = refusal(voter_register, season=voting_season, identity=identity, city_slug="sarov", consent=True,
                    channel="web")
    assert (error.code, error.status, error.details["city"]) == ("city_fixed", 409, "ozersk")
    assert "Озёрск" in error.message_ru and "Ozersk" in error.message_en
    assert SeasonVoter.objects.get().city.slug == "ozersk"
    # the same city again is fine (a repeated log-in)
    assert voter_register(season=voting_season, identity=identity, city_slug="ozersk", consent=True, channel="web")


@pytest.mark.django_db
def test_a_voter_of_last_season_registers_afresh(voting_season):
    old = SeasonVoterFactory(season=SeasonFactory(phase="ceremony", year=2001), city=CityFactory(slug="sarov"))
    voter = voter_register(season=voting_season, identity=old.identity, city_slug="ozersk", consent=True,
                           channel="web")
    assert voter.pk != old.pk and voter.identity_id == old.identity_id


@pytest.mark.django_db
def test_verify_and_register_keeps_the_code_when_the_registration_is_refused(
    voting_season, sms_file, django_capture_on_commit_callbacks
):
    request_code(capture=django_capture_on_commit_callbacks)
    code = last_code(sms_file)
    kwargs = {"season": voting_season, "phone_raw": PHONE, "code": code, "consent": True, "channel": "api",
              "client_ip": IP}
    # mistakes that need no code do not use it up
    assert refusal(voter_verify_and_register, **kwargs, city_slug="atlantis").code == "unknown_city"
    assert refusal(voter_verify_and_register, **{**kwargs, "consent": False}, city_slug="sarov").code == (
        "consent_required")
    voter = voter_verify_and_register(**kwargs, city_slug="sarov")
    SeasonVoter.objects.filter(pk=voter.pk).update(votes_cast=2)
    # a refusal after a correct code rolls back, so the code can still be used with the right city
    OneTimeCode.objects.all().delete()  # (skip the resend interval: a fresh code for the next log-in)
    request_code(capture=django_capture_on_commit_callbacks)
    kwargs["code"] = last_code(sms_file)
    assert refusal(voter_verify_and_register, **kwargs, city_slug="ozersk").code == "city_fixed"
    assert OneTimeCode.objects.get().used_at is None
    assert voter_verify_and_register(**kwargs, city_slug="sarov").pk == voter.pk


@pytest.mark.django_db
def test_wrong_code_in_verify_and_register_is_recorded(voting_season, sms_file, django_capture_on_commit_callbacks):
    request_code(capture=django_capture_on_commit_callbacks)
    code = last_code(sms_file)
    error = refusal(voter_verify_and_register, season=voting_season, phone_raw=PHONE, code=wrong(code),
                    city_slug="sarov", consent=True, channel="api", client_ip=IP)
    assert error.code == "invalid_code" and OneTimeCode.objects.get().failed_attempts == 1
    assert not SeasonVoter.objects.exists()


@pytest.mark.django_db
def test_the_clear_number_is_stored_nowhere(voting_season, sms_file, django_capture_on_commit_callbacks):
    request_code("8 (985) 765-43-21", capture=django_capture_on_commit_callbacks)
    voter_verify_and_register(season=voting_season, phone_raw=PHONE, code=last_code(sms_file), city_slug="sarov",
                              consent=True, channel="api", client_ip=IP)
    rows = [*VoterIdentity.objects.all(), *SeasonVoter.objects.all(), *OneTimeCode.objects.all(),
            *PhoneLockout.objects.all(), *ClientAddressLock.objects.all(), *VoterToken.objects.all()]
    dump = serializers.serialize("json", rows)
    assert len(rows) >= 5
    for spelling in PHONE_SPELLINGS:
        assert spelling not in dump


@pytest.mark.django_db
def test_purge_removes_old_codes_and_idle_locks(sms_file, clock, django_capture_on_commit_callbacks):
    request_code(capture=django_capture_on_commit_callbacks)
    clock.advance(days=2)
    request_code("+79850000001", ip="198.51.100.1", capture=django_capture_on_commit_callbacks)
    counts = otp_purge()
    assert counts == {"codes": 1, "numbers": 1, "addresses": 1}
    assert list(OneTimeCode.objects.values_list("client_ip", flat=True)) == ["198.51.100.1"]
    assert PhoneLockout.objects.count() == 1 and ClientAddressLock.objects.count() == 1
    with pytest.raises(ValueError):
        otp_purge(older_than=dt.timedelta(minutes=10))


# --- under parallel requests (both databases) -------------------------------------------------------------


def outcome(result: object) -> str:
    if isinstance(result, ApplicationError):
        return result.code
    if isinstance(result, Exception):
        return f"unexpected {type(result).__name__}: {result}"
    return "ok"


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("interval", "expected"), [(0, 5), (60, 1)])
def test_parallel_code_requests_for_one_number_send_at_most_the_limit(interval, expected, sms_file, settings):
    settings.OTP_RESEND_INTERVAL_SECONDS = interval
    settings.OTP_CODES_PER_NUMBER_PER_HOUR = 5
    results = run_each(30, lambda i: otp_request(phone_raw=PHONE, client_ip=f"198.51.100.{i + 1}"))
    outcomes = Counter(outcome(result) for result in results)
    assert outcomes == {"ok": expected, "too_many_codes": 30 - expected}
    assert OneTimeCode.objects.count() == expected
    assert len(sms_lines(sms_file)) == expected


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_code_requests_from_one_address_send_at_most_the_limit(sms_file, settings):
    settings.OTP_CODES_PER_ADDRESS_HARD_PER_HOUR = 20
    results = run_each(30, lambda i: otp_request(phone_raw=f"+7985000{i:04d}", client_ip=IP))
    outcomes = Counter(outcome(result) for result in results)
    assert outcomes == {"ok": 20, "too_many_codes": 10}
    assert OneTimeCode.objects.filter(client_ip=IP).count() == 20
    assert len(sms_lines(sms_file)) == 20


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_same_correct_code_submitted_in_parallel_verifies_once(sms_file):
    otp_request(phone_raw=PHONE, client_ip=IP)
    code = last_code(sms_file)
    results = run_each(20, lambda i: otp_verify(phone_raw=PHONE, code=code, client_ip=IP))
    outcomes = Counter(outcome(result) for result in results)
    assert outcomes == {"ok": 1, "code_expired": 19}
    assert VoterIdentity.objects.count() == 1
    assert OneTimeCode.objects.get().used_at is not None


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_count_every_try_and_lock_once(sms_file):
    otp_request(phone_raw=PHONE, client_ip=IP)
    code = last_code(sms_file)
    results = run_each(20, lambda i: otp_verify(phone_raw=PHONE, code=wrong(code), client_ip=IP))
    outcomes = Counter(outcome(result) for result in results)
    assert outcomes == {"invalid_code": 4, "too_many_attempts": 1, "locked_out": 15}
    assert OneTimeCode.objects.get().failed_attempts == 5
    assert PhoneLockout.objects.get().lockouts == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_of_one_person_make_one_voter(voting_season):
    identity = VoterIdentity.objects.create(phone_hash=phone_hash(PHONE))
    results = run_each(20, lambda i: voter_register(
        season=voting_season, identity=identity, city_slug="sarov" if i % 2 else "ozersk", consent=True,
        channel="web",
    ).pk)
    assert {outcome(result) for result in results} == {"ok"}
    assert len(set(results)) == 1 and SeasonVoter.objects.count() == 1


@pytest.mark.django_db
def test_purge_command(sms_file, clock, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import CommandError, call_command

    request_code(capture=django_capture_on_commit_callbacks)
    clock.advance(hours=30)
    out = StringIO()
    call_command("otp_purge", stdout=out)
    assert "кодов 1" in out.getvalue() and not OneTimeCode.objects.exists()
    with pytest.raises(CommandError):
        call_command("otp_purge", "--older-than-hours", "0")
