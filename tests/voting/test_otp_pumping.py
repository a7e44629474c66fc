"""One-time codes against guessing and SMS pumping: wrong codes counted per number (a fresh code does not reset
them), ranges billed as international refused (from data), the client address only a soft signal — a closed
town's residents behind one NAT all get codes — with range, crowded and global budgets that hold under parallel
requests on both databases."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from atomgrad.core.errors import ApplicationError
from atomgrad.voting.models import OneTimeCode, PhoneLockout
from atomgrad.voting.phones import phone_hash
from atomgrad.voting.services.identity import otp_request, otp_verify
from tests.concurrency import run_each
from tests.voting.otp_support import PHONE, last_code, sms_lines
from tests.voting.test_identity import outcome

IP = "203.0.113.7"


def request(phone: str = PHONE, ip: str | None = IP, *, capture) -> None:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        otp_request(phone_raw=phone, client_ip=ip)


def refused(func, **kwargs) -> ApplicationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError) as info:
        func(**kwargs)
    return info.value


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- wrong codes per number ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_fresh_code_does_not_reset_the_wrong_tries(sms_file, clock, django_capture_on_commit_callbacks):
    request(capture=django_capture_on_commit_callbacks)
    code = last_code(sms_file)
    for attempts_left in (4, 3, 2, 1):
        assert refused(otp_verify, phone_raw=PHONE, code=wrong(code), client_ip=IP).details["attempts_left"] == \
            attempts_left
    clock.advance(seconds=61)
    request(capture=django_capture_on_commit_callbacks)  # a fresh code...
    fresh = last_code(sms_file)
    error = refused(otp_verify, phone_raw=PHONE, code=wrong(fresh), client_ip=IP)
    assert error.code == "too_many_attempts"  # ...buys no fresh guesses: the 5th wrong code locks the number
    assert refused(otp_verify, phone_raw=PHONE, code=fresh, client_ip=IP).code == "locked_out"


@pytest.mark.django_db
def test_wrong_tries_are_forgotten_after_the_window_and_after_a_success(
    sms_file, clock, django_capture_on_commit_callbacks,
):
    request(capture=django_capture_on_commit_callbacks)
    code = last_code(sms_file)
    for _ in range(3):
        refused(otp_verify, phone_raw=PHONE, code=wrong(code), client_ip=IP)
    otp_verify(phone_raw=PHONE, code=code, client_ip=IP)  # success: the count starts again
    assert PhoneLockout.objects.get(phone_hash=phone_hash(PHONE)).wrong_tries == 0
    clock.advance(seconds=61)
    request(capture=django_capture_on_commit_callbacks)
    code = last_code(sms_file)
    for _ in range(4):
        refused(otp_verify, phone_raw=PHONE, code=wrong(code), client_ip=IP)
    clock.advance(hours=24, seconds=1)  # a day later the old tries no longer count
    request(capture=django_capture_on_commit_callbacks)
    error = refused(otp_verify, phone_raw=PHONE, code=wrong(last_code(sms_file)), client_ip=IP)
    assert (error.code, error.details["attempts_left"]) == ("invalid_code", 4)


# --- ranges billed as international -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["+7 940 712-34-56", "+7 940 912-34-56", "+7 840 226-12-34", "8 809 505-12-34"])
def test_ranges_billed_as_international_or_premium_get_no_code(number, sms_file):
    error = refused(otp_request, phone_raw=number, client_ip=IP)
    assert (error.code, error.status) == ("invalid_phone", 422)
    assert not OneTimeCode.objects.exists() and not sms_lines(sms_file)


@pytest.mark.django_db
def test_the_blocked_ranges_are_data(settings, tmp_path, sms_file, django_capture_on_commit_callbacks):
    ranges = tmp_path / "ranges.json"
    ranges.write_text(json.dumps({"ranges": [{"prefix": "+7985765", "what": "test", "why": "test"}]}))
    settings.OTP_BLOCKED_RANGES_FILE = ranges
    error = refused(otp_request, phone_raw=PHONE, client_ip=IP)
    assert error.details["reason"] == "blocked_range" and "международные" in error.message_ru
    request("+7 940 712-34-56", capture=django_capture_on_commit_callbacks)  # no longer in this file's list
    assert len(sms_lines(sms_file)) == 1


# --- the address as a soft signal, and the budgets ------------------------------------------------------------


@pytest.mark.django_db
def test_the_21st_resident_behind_one_nat_gets_a_code(sms_file, django_capture_on_commit_callbacks, settings):
    settings.OTP_CODES_PER_ADDRESS_PER_HOUR = 20
    for n in range(30):  # 30 residents of a closed town, one carrier NAT address, numbers of several blocks
        request(f"+7985{n % 3}00{n:04d}", capture=django_capture_on_commit_callbacks)
    assert len(sms_lines(sms_file)) == 30


@pytest.mark.django_db
def test_crowded_addresses_share_one_budget(sms_file, django_capture_on_commit_callbacks, settings):
    settings.OTP_CODES_PER_ADDRESS_PER_HOUR = 2
    settings.OTP_CODES_CROWDED_PER_HOUR = 3
    for n in range(5):  # 2 under the soft limit, then 3 from the crowded budget
        request(f"+7985100{n:04d}", capture=django_capture_on_commit_callbacks)
    error = refused(otp_request, phone_raw="+79852009999", client_ip=IP)
    assert (error.code, error.details["reason"]) == ("too_many_codes", "crowded")
    request("+79852009999", ip="198.51.100.1", capture=django_capture_on_commit_callbacks)  # a quiet address
    assert len(sms_lines(sms_file)) == 6


@pytest.mark.django_db
def test_a_block_of_numbers_has_a_budget(sms_file, django_capture_on_commit_callbacks, settings):
    settings.OTP_CODES_PER_RANGE_PER_HOUR = 3
    for n in range(3):  # pumping walks through consecutive numbers, from fresh addresses
        request(f"+7985300{n:04d}", ip=f"198.51.100.{n + 1}", capture=django_capture_on_commit_callbacks)
    error = refused(otp_request, phone_raw="+79853009999", client_ip="198.51.100.99")
    assert (error.code, error.details["reason"]) == ("too_many_codes", "per_range")
    request("+79853019999", ip="198.51.100.99", capture=django_capture_on_commit_callbacks)  # the next block
    assert len(sms_lines(sms_file)) == 4


@pytest.mark.django_db
def test_the_global_budget_caps_what_an_attack_costs(sms_file, django_capture_on_commit_callbacks, settings):
    settings.OTP_CODES_GLOBAL_PER_HOUR = 4
    for n in range(4):
        request(f"+798{n}4000000", ip=f"198.51.100.{n + 1}", capture=django_capture_on_commit_callbacks)
    error = refused(otp_request, phone_raw="+79894000000", client_ip="198.51.100.50")
    assert (error.code, error.status, error.details["reason"]) == ("too_many_codes", 429, "global")
    assert 0 < error.details["retry_after_seconds"] <= 3600


@pytest.mark.django_db
def test_a_refused_request_uses_no_budget(sms_file, django_capture_on_commit_callbacks, settings):
    settings.OTP_CODES_GLOBAL_PER_HOUR = 2
    request(capture=django_capture_on_commit_callbacks)
    for _ in range(3):  # refused by the resend interval: the global budget is not touched
        assert refused(otp_request, phone_raw=PHONE, client_ip=IP).details["reason"] == "resend_interval"
    request("+79850000001", capture=django_capture_on_commit_callbacks)
    assert len(sms_lines(sms_file)) == 2


# --- under parallel requests (both databases) -----------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_from_one_crowded_address_keep_to_the_budgets(sms_file, settings):
    settings.OTP_CODES_PER_ADDRESS_PER_HOUR = 5
    settings.OTP_CODES_CROWDED_PER_HOUR = 10
    results = run_each(30, lambda i: otp_request(phone_raw=f"+798{i % 10}500{i:04d}", client_ip=IP))
    assert Counter(outcome(result) for result in results) == {"ok": 15, "too_many_codes": 15}
    assert len(sms_lines(sms_file)) == 15


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_in_one_block_keep_to_its_budget(sms_file, settings):
    settings.OTP_CODES_PER_RANGE_PER_HOUR = 8
    results = run_each(30, lambda i: otp_request(phone_raw=f"+7985600{i:04d}", client_ip=f"198.51.100.{i + 1}"))
    assert Counter(outcome(result) for result in results) == {"ok": 8, "too_many_codes": 22}
    assert OneTimeCode.objects.count() == 8


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_keep_to_the_global_budget(sms_file, settings):
    settings.OTP_CODES_GLOBAL_PER_HOUR = 12
    results = run_each(30, lambda i: otp_request(phone_raw=f"+798{i % 10}700{i:04d}",
                                                     client_ip=f"198.51.100.{i + 1}"))
    assert Counter(outcome(result) for result in results) == {"ok": 12, "too_many_codes": 18}
    assert len(sms_lines(sms_file)) == 12


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_across_two_codes_lock_once(sms_file, clock):
    otp_request(phone_raw=PHONE, client_ip=IP)
    first = last_code(sms_file)
    for _ in range(3):
        with pytest.raises(ApplicationError):
            otp_verify(phone_raw=PHONE, code=wrong(first), client_ip=IP)
    clock.advance(seconds=61)
    otp_request(phone_raw=PHONE, client_ip=IP)
    fresh = last_code(sms_file)
    results = run_each(10, lambda i: otp_verify(phone_raw=PHONE, code=wrong(fresh), client_ip=IP))
    assert Counter(outcome(result) for result in results) == {"invalid_code": 1, "too_many_attempts": 1,
                                                              "locked_out": 8}
    assert PhoneLockout.objects.get().lockouts == 1
