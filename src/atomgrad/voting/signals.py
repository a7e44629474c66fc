"""The keyed hashes of what the vote keeps for fraud detection (docs/integrity.md), in one place.

Detection needs to know that two votes came from the same network, the same browser build or the same block of
phone numbers, never which network, browser or number it was. Each value is hashed with HMAC-SHA256 under a key
derived from PHONE_HASH_KEY (so the hashes cannot be recomputed without the server's secret, and the hashes of
two kinds cannot be compared with each other) and truncated to 63 bits, which fits a signed 64-bit column and
numpy's int64. 0 means "not known". The same functions serve the vote path and the simulator's in-memory frames.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest

UNKNOWN = 0
_MASK_63 = (1 << 63) - 1


@cache
def _key(kind: str, secret: str) -> bytes:
    return hmac.new(secret.encode(), f"atomgrad/integrity/{kind}".encode(), hashlib.sha256).digest()


def keyed_hash63(kind: str, value: str) -> int:
    """HMAC-SHA256 of `value` under the key of `kind`, as a positive 63-bit integer (never 0)."""
    digest = hmac.new(_key(kind, settings.PHONE_HASH_KEY), value.encode(), hashlib.sha256).digest()
    return (int.from_bytes(digest[:8], "big") & _MASK_63) or 1


def client_network(ip: str | None) -> str | None:
    """The network a client address belongs to for detection: IPv4 /24, IPv6 /48 (a site), None if unknown."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def network_hash(ip: str | None) -> int:
    network = client_network(ip)
    return keyed_hash63("network", network) if network else UNKNOWN


def user_agent_hash(user_agent: str | None) -> int:
    user_agent = (user_agent or "").strip()
    return keyed_hash63("user-agent", user_agent[:512]) if user_agent else UNKNOWN


def phone_block_hash(e164: str | None) -> int:
    """The block of 100 numbers a phone number is in (the number without its last two digits)."""
    if not e164 or len(e164) < 6:
        return UNKNOWN
    return keyed_hash63("phone-block", e164[:-2])


def telegram_bucket(telegram_user_id: int | None) -> int:
    """The magnitude of a Telegram account id in buckets of 2^28 (ids grow with time: a high bucket is a new
    account), or -1 when not known. A coarse number, not the id: it cannot name the account."""
    if telegram_user_id is None or telegram_user_id <= 0:
        return -1
    return int(telegram_user_id >> 28)


# --- what a channel knows about a vote and a verification ------------------------------------------------


@dataclass(frozen=True)
class VoteContext:
    """What a channel knows about the request that casts a vote, as `vote_cast` takes it. The web and the API
    know the client's address and user agent; the bot knows the Telegram account (and no address)."""

    client_ip: str | None = None
    user_agent: str | None = None
    telegram_user_id: int | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> VoteContext:
        from atomgrad.core.http import client_ip

        return cls(client_ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:512])


@dataclass(frozen=True)
class Verification:
    """What a verification of a phone number showed, kept for the season's voter (`VoterSignal`): the hash
    of the number's block (computed while the clear number is in memory), when the code was asked for (in the
    bot: when the contact was asked for) and when the number was verified."""

    phone_block: int
    code_requested_at: dt.datetime | None
    verified_at: dt.datetime
    telegram_bucket: int = -1

    @classmethod
    def of(cls, *, e164: str, code_requested_at: dt.datetime | None, verified_at: dt.datetime,
           telegram_user_id: int | None = None) -> Verification:
        return cls(phone_block=phone_block_hash(e164), code_requested_at=code_requested_at,
                   verified_at=verified_at, telegram_bucket=telegram_bucket(telegram_user_id))

    def as_session(self) -> dict[str, object]:
        """A JSON-safe form, for the web log-in's session between the code step and the city step."""
        return {"phone_block": self.phone_block, "verified_at": self.verified_at.isoformat(),
                "code_requested_at": self.code_requested_at.isoformat() if self.code_requested_at else None,
                "telegram_bucket": self.telegram_bucket}

    @classmethod
    def from_session(cls, data: object) -> Verification | None:
        if not isinstance(data, dict):
            return None
        try:
            requested = data.get("code_requested_at")
            return cls(
                phone_block=int(data["phone_block"]),
                code_requested_at=dt.datetime.fromisoformat(requested) if requested else None,
                verified_at=dt.datetime.fromisoformat(data["verified_at"]),
                telegram_bucket=int(data.get("telegram_bucket", -1)),
            )
        except (KeyError, TypeError, ValueError):
            return None
