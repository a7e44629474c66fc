"""Scenarios of a season's voting: organic voting with its hard negatives, and five attacks embedded in it.

Every scenario is deterministic for its seed (one `numpy.random.Generator`) and is generated column-wise
(`*_columns` → `PlanColumns`, vectorised, a million votes in seconds); `SCENARIOS[name](cities, seed=…, start=…,
end=…, scale=…)` turns the columns into `PlannedVote`s for the runner that casts them through the real vote
path. The evaluation and the benchmark read the columns directly (`simulator.memory.frame_from_columns`).

What the generator models, and why (docs/integrity.md, "Method"):
- organic voters arrive with a Moscow-time daily rhythm (quiet at night), more at the start and the end of the
  vote, and in bursts after a city's news posts and after a candidate shares a link with friends;
- each picks 1..K (K=3) of their city's candidates, with a skewed popularity (a few favourites);
- 60% vote from a phone on a mobile carrier (a handful of CGNAT /24 networks per carrier, each shared by
  hundreds of voters), 35% from home broadband (a city ISP's pool), 5% from elsewhere; bot votes carry no
  network or user agent (Telegram delivers them);
- human code entry (20 s – 3 min; 10% use the phone's SMS autofill, 6–15 s) and time to choose candidates;
- phone numbers spread over the region's mobile ranges; Telegram ids mostly of old accounts;
- hard negatives: workplaces (a school or a plant mobilising 50–150 colleagues for one of their own within
  hours, most from the workplace network, some on consecutive corporate SIM numbers) and families (2–5 people
  voting the same evening from one home address, for overlapping candidates).
Attacks use the same user agents, carriers and number ranges as residents: only their behaviour differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from atomgrad.integrity.simulator.plan import CityShape, PlannedVote

K = 3  # candidates per voter per season (the season setting's default)
MSK = 3 * 3600  # Moscow is UTC+3 all year

LABELS = ("organic", "hard_negative", "attack")
ORGANIC, HARD_NEGATIVE, ATTACK = 0, 1, 2
CHANNELS = ("web", "api", "telegram")
WEB, API, TELEGRAM = 0, 1, 2

# Relative votes per Moscow hour of the day (evening peak, little at night).
HOUR_RHYTHM = np.array([0.6, 0.3, 0.2, 0.15, 0.15, 0.25, 0.6, 1.5, 2.5, 3.0, 3.2, 3.2,
                        3.5, 3.5, 3.2, 3.2, 3.3, 3.8, 4.5, 5.0, 5.2, 4.8, 3.5, 1.8])

# Real-world user agents with rough shares (mobile-first, as in Russia); attackers pick from the same list.
USER_AGENTS: tuple[tuple[str, float], ...] = (
    ("Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36", 0.09),  # noqa: E501
    ("Mozilla/5.0 (Linux; Android 13; SM-A135F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.165 Mobile Safari/537.36", 0.07),  # noqa: E501
    ("Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36", 0.07),  # noqa: E501
    ("Mozilla/5.0 (Linux; Android 13; 2201117TY) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.179 Mobile Safari/537.36", 0.05),  # noqa: E501
    ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36", 0.02),  # noqa: E501
    ("Mozilla/5.0 (Linux; Android 11; HONOR 50) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.6312.118 Mobile Safari/537.36", 0.04),  # noqa: E501
    ("Mozilla/5.0 (Linux; Android 13; RMX3630) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.110 Mobile Safari/537.36", 0.03),  # noqa: E501
    ("Mozilla/5.0 (Linux; Android 12; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.119 YaBrowser/24.4.3.101.00 SA/3 Mobile Safari/537.36", 0.06),  # noqa: E501
    ("Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 YaBrowser/24.6.2.110.00 SA/3 Mobile Safari/537.36", 0.04),  # noqa: E501
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 0.08),  # noqa: E501
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1", 0.05),  # noqa: E501
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", 0.04),  # noqa: E501
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) YaBrowser/24.6.5.383.10 SA/3 Mobile/15E148 Safari/604.1", 0.02),  # noqa: E501
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", 0.09),  # noqa: E501
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 YaBrowser/24.4.0.0 Safari/537.36", 0.07),  # noqa: E501
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0", 0.03),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", 0.02),  # noqa: E501
    ("Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36", 0.03),  # noqa: E501
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", 0.02),  # noqa: E501
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", 0.01),
    ("Mozilla/5.0 (Linux; Android 10; SM-J600FN) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.230 Mobile Safari/537.36", 0.03),  # noqa: E501
    ("Mozilla/5.0 (Linux; Android 13; V2207) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36", 0.02),  # noqa: E501
    ("Mozilla/5.0 (Linux; Android 12; TECNO KI5q) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.178 Mobile Safari/537.36", 0.02),  # noqa: E501
    ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 0.01),  # noqa: E501
    ("atomgrad-mobile/1.4 (Android 14)", 0.03),
    ("atomgrad-mobile/1.4 (iOS 17.5)", 0.02),
)
UA_STRINGS = tuple(ua for ua, _ in USER_AGENTS)
UA_WEIGHTS = np.array([w for _, w in USER_AGENTS]) / sum(w for _, w in USER_AGENTS)
API_UAS = np.array([i for i, ua in enumerate(UA_STRINGS) if ua.startswith("atomgrad-mobile")])
BROWSER_UAS = np.array([i for i, ua in enumerate(UA_STRINGS) if not ua.startswith("atomgrad-mobile")])

# The region's mobile number ranges (+7 9xx): organic numbers are spread over all of them.
DEF_CODES = np.array([902, 904, 908, 912, 922, 932, 950, 953, 958, 982, 992, 996])
# Telegram account ids: old accounts below 6.5e9, the last year up to 7.9e9, the newest (weeks old) above.
TG_FRESH_LOW, TG_FRESH_HIGH = 7_900_000_000, 8_150_000_000


@dataclass
class PlanColumns:
    """A plan as columns (one row per vote), before it becomes `PlannedVote`s or a `VoteFrame`."""

    at: np.ndarray  # float64 UNIX seconds of the vote
    city: np.ndarray  # int32: index into `cities`
    candidate: np.ndarray  # int32: index into the city's candidates
    voter: np.ndarray  # int64: the generator's voter number (one phone)
    phone: np.ndarray  # int64: E.164 digits without "+"
    channel: np.ndarray  # int8: index into CHANNELS
    ip: np.ndarray  # int64: IPv4 address as an integer, 0 for bot votes (no client address)
    ua: np.ndarray  # int16: index into UA_STRINGS, -1 for bot votes
    code_requested: np.ndarray  # float64
    verified: np.ndarray  # float64
    telegram_id: np.ndarray  # int64, 0 when not a bot vote
    label: np.ndarray  # int8: index into LABELS
    scenario: np.ndarray  # int8: index into SCENARIO_NAMES
    cities: list[CityShape]

    def __len__(self) -> int:
        return len(self.at)


SCENARIO_NAMES = ("organic", "workplace", "family", "news_share", "sim_farm", "click_farm", "fresh_telegram",
                  "novouralsk", "adaptive")


def _code(name: str) -> int:
    return SCENARIO_NAMES.index(name)


@dataclass
class _Voters:
    """Voters before they are expanded into votes: one session each, up to K candidates."""

    city: np.ndarray
    picks: np.ndarray  # (n, K) int32 candidate indices, -1 = none; the first is always set
    session: np.ndarray  # when the code was requested (or the bot started)
    code_to_verify: np.ndarray
    verify_to_vote: np.ndarray  # before the first vote
    between: np.ndarray  # (n, K) seconds between successive votes
    phone: np.ndarray
    channel: np.ndarray
    ip: np.ndarray
    ua: np.ndarray
    telegram_id: np.ndarray
    label: int
    scenario: int


class _Builder:
    """Accumulates voter groups, then expands them into one time-ordered `PlanColumns`."""

    def __init__(self, cities: list[CityShape], rng: np.random.Generator, start: float, end: float) -> None:
        self.cities, self.rng, self.start, self.end = cities, rng, start, end
        self.groups: list[_Voters] = []
        self.popularity = [self._popularity(shape.candidates) for shape in cities]
        self.networks = [self._city_networks(index) for index in range(len(cities))]
        self.minutes = np.arange(start, end, 60.0)
        hours = ((self.minutes + MSK) // 3600 % 24).astype(int)
        days = (self.minutes - start) / 86400.0
        span = max((end - start) / 86400.0, 1.0)
        # More at the opening and before the close (reminders), a plain rhythm in between.
        trend = 1.0 + 1.2 * np.exp(-days / 1.5) + 0.8 * np.exp(-(span - days) / 1.0)
        self.base_rate = HOUR_RHYTHM[hours] * trend

    # ----- the city's fabric ---------------------------------------------------------------------------
    def _popularity(self, candidates: int) -> np.ndarray:
        weights = self.rng.lognormal(0.0, 1.3, candidates)  # a few favourites, a long tail
        return weights / weights.sum()

    def _city_networks(self, index: int) -> dict[str, np.ndarray]:
        rng = self.rng
        voters = self.cities[index].voters
        carriers = [rng.integers(0x0A000000 >> 8, 0xDF000000 >> 8, rng.integers(3, 9)) for _ in range(4)]
        home = rng.integers(0x0A000000 >> 8, 0xDF000000 >> 8, max(30, voters // 40))
        return {"carrier_0": carriers[0], "carrier_1": carriers[1], "carrier_2": carriers[2],
                "carrier_3": carriers[3], "home": home}

    def resident_ips(self, city: np.ndarray) -> np.ndarray:
        """Addresses of residents of `city`: a mobile carrier's CGNAT, home broadband, or elsewhere."""
        rng = self.rng
        n = len(city)
        kind = rng.choice(3, n, p=[0.6, 0.35, 0.05])
        carrier = rng.choice(4, n, p=[0.35, 0.3, 0.2, 0.15])
        nets = np.empty(n, dtype=np.int64)
        for index in np.unique(city):
            mine = city == index
            pools = self.networks[index]
            for c in range(4):
                sel = mine & (kind == 0) & (carrier == c)
                nets[sel] = rng.choice(pools[f"carrier_{c}"], sel.sum())
            sel = mine & (kind == 1)
            home = pools["home"]
            weights = rng.dirichlet(np.full(len(home), 2.0))  # some neighbourhoods denser (seeded per call)
            nets[sel] = rng.choice(home, sel.sum(), p=weights)
        sel = kind == 2
        nets[sel] = rng.integers(0x0A000000 >> 8, 0xDF000000 >> 8, sel.sum())
        return (nets << 8) | rng.integers(1, 255, n)

    def resident_phones(self, n: int) -> np.ndarray:
        rng = self.rng
        return 7_000_000_000_0 + rng.choice(DEF_CODES, n) * 10_000_000 + rng.integers(0, 10_000_000, n)

    def resident_telegram_ids(self, n: int) -> np.ndarray:
        rng = self.rng
        kind = rng.choice(3, n, p=[0.85, 0.13, 0.02])
        ids = np.exp(rng.uniform(np.log(5e7), np.log(6.5e9), n))
        ids = np.where(kind == 1, rng.uniform(6.5e9, TG_FRESH_LOW, n), ids)
        ids = np.where(kind == 2, rng.uniform(TG_FRESH_LOW, TG_FRESH_HIGH, n), ids)
        return ids.astype(np.int64)

    def human_timing(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Seconds to enter the code, to choose the first candidate, and between further votes."""
        rng = self.rng
        code = np.clip(rng.lognormal(np.log(45), 0.55, n), 20, 180)
        autofill = rng.random(n) < 0.10
        code = np.where(autofill, rng.uniform(6, 15, n), code)
        first = np.clip(rng.lognormal(np.log(40), 0.8, n), 5, 900)
        between = np.clip(rng.lognormal(np.log(25), 0.7, (n, K)), 4, 600)
        return code, first, between

    def human_ua(self, channel: np.ndarray) -> np.ndarray:
        rng = self.rng
        ua = rng.choice(len(UA_STRINGS), len(channel), p=UA_WEIGHTS)
        api = channel == API
        ua[api] = rng.choice(API_UAS, api.sum())
        web_app = (channel == WEB) & np.isin(ua, API_UAS)
        ua[web_app] = rng.choice(BROWSER_UAS, web_app.sum())
        return np.where(channel == TELEGRAM, -1, ua).astype(np.int16)

    def pick_candidates(self, city: np.ndarray, first: np.ndarray | None = None,
                        sizes: np.ndarray | None = None) -> np.ndarray:
        """Up to K distinct candidates per voter, by the city's popularity; `first` forces the first pick."""
        rng = self.rng
        n = len(city)
        picks = np.full((n, K), -1, dtype=np.int32)
        draws = np.empty((n, K), dtype=np.int32)
        for index in np.unique(city):
            mine = np.flatnonzero(city == index)
            draws[mine] = rng.choice(len(self.popularity[index]), (len(mine), K), p=self.popularity[index])
        if first is not None:
            draws[:, 0] = first
        if sizes is None:
            sizes = rng.choice([1, 2, 3], n, p=[0.45, 0.3, 0.25])
        picks[:, 0] = draws[:, 0]
        for j in range(1, K):
            fresh = (sizes > j) & np.all(draws[:, [j]] != picks[:, :j], axis=1)
            picks[fresh, j] = draws[fresh, j]
        return picks

    def times(self, city: np.ndarray, rate_by_city: list[np.ndarray]) -> np.ndarray:
        """Session start times, one per voter, drawn from each city's per-minute rate."""
        rng = self.rng
        out = np.empty(len(city))
        for index in np.unique(city):
            mine = np.flatnonzero(city == index)
            rate = rate_by_city[index]
            out[mine] = self.minutes[rng.choice(len(rate), len(mine), p=rate / rate.sum())]
        return out + rng.uniform(0, 60, len(city))

    def add(self, group: _Voters) -> None:
        self.groups.append(group)

    # ----- expansion into votes --------------------------------------------------------------------------
    def columns(self) -> PlanColumns:
        parts: dict[str, list[np.ndarray]] = {f.name: [] for f in fields(PlanColumns) if f.name != "cities"}
        voter_offset = 0
        for g in self.groups:
            n = len(g.city)
            has = g.picks >= 0
            counts = has.sum(axis=1)
            verified = g.session + g.code_to_verify
            offsets = np.cumsum(np.where(has, g.between, 0.0), axis=1) - np.where(has, g.between, 0.0)[:, [0]]
            at = verified[:, None] + g.verify_to_vote[:, None] + offsets
            row, col = np.nonzero(has)
            parts["at"].append(at[row, col])
            parts["city"].append(g.city[row].astype(np.int32))
            parts["candidate"].append(g.picks[row, col])
            parts["voter"].append(voter_offset + row.astype(np.int64))
            parts["phone"].append(g.phone[row])
            parts["channel"].append(g.channel[row].astype(np.int8))
            parts["ip"].append(np.where(g.channel[row] == TELEGRAM, 0, g.ip[row]))
            parts["ua"].append(g.ua[row].astype(np.int16))
            parts["code_requested"].append(g.session[row])
            parts["verified"].append(verified[row])
            parts["telegram_id"].append(np.where(g.channel[row] == TELEGRAM, g.telegram_id[row], 0))
            parts["label"].append(np.full(counts.sum(), g.label, dtype=np.int8))
            parts["scenario"].append(np.full(counts.sum(), g.scenario, dtype=np.int8))
            voter_offset += n
        cols = {name: np.concatenate(values) for name, values in parts.items()}
        _unique_phones(cols)
        keep = (cols["at"] >= self.start) & (cols["at"] < self.end)
        order = np.argsort(cols["at"][keep], kind="stable")
        return PlanColumns(**{name: values[keep][order] for name, values in cols.items()}, cities=self.cities)


def _unique_phones(cols: dict[str, np.ndarray]) -> None:
    """Different generated voters must not share a number (they would become one voter): move the later ones."""
    for _ in range(20):
        order = np.lexsort((cols["voter"], cols["phone"]))
        phone, voter = cols["phone"][order], cols["voter"][order]
        clash = (phone[1:] == phone[:-1]) & (voter[1:] != voter[:-1])
        if not clash.any():
            return
        moved_voters = np.unique(voter[1:][clash])
        sel = np.isin(cols["voter"], moved_voters)
        cols["phone"][sel] += 7919  # another block; consecutive runs stay consecutive


# ----- organic voting and its hard negatives ----------------------------------------------------------------
def _organic(b: _Builder, scale: float) -> None:
    """Organic voting of every city (its rhythm, news posts, candidates' own shares) and its hard negatives."""
    rng = b.rng
    n_cities = len(b.cities)
    rates = []
    for _ in range(n_cities):
        rate = b.base_rate.copy()
        # News posts of the city: every 2–4 days, in the daytime; each brings a wave that fades over hours.
        t = b.start + rng.uniform(0.2, 1.5) * 86400
        while t < b.end:
            post = _daytime(b, t) + 3600
            after = b.minutes - post
            rate = rate + np.where(after >= 0, 30.0 * np.exp(-np.maximum(after, 0) / (2.5 * 3600)), 0.0)
            t += rng.uniform(2, 4) * 86400
        rates.append(rate)
    sizes = [max(1, int(round(shape.voters * scale))) for shape in b.cities]
    city = np.repeat(np.arange(n_cities), sizes)
    n = len(city)
    channel = rng.choice(3, n, p=[0.6, 0.05, 0.35])
    code, first, between = b.human_timing(n)
    b.add(_Voters(city=city, picks=b.pick_candidates(city), session=b.times(city, rates), code_to_verify=code,
                  verify_to_vote=first, between=between, phone=b.resident_phones(n), channel=channel,
                  ip=b.resident_ips(city), ua=b.human_ua(channel), telegram_id=b.resident_telegram_ids(n),
                  label=ORGANIC, scenario=_code("organic")))
    # A candidate shares a link with friends: 15–60 people vote for them over a few hours (organic bursts).
    for index, shape in enumerate(b.cities):
        for candidate in np.flatnonzero(rng.random(shape.candidates) < 0.25):
            m = int(rng.integers(15, 61) * min(1.0, scale * 4))
            if m < 3:
                continue
            t0 = _daytime(b, rng.uniform(b.start, b.end - 86400))
            _human_group(b, index, m, t0 + rng.exponential(2 * 3600, m), first=candidate,
                         label=ORGANIC, scenario="news_share")
    _hard_negatives(b, scale)


def _daytime(b: _Builder, t: float) -> float:
    """Move `t` to a weekday-like working hour (09–15 Moscow time) of its day."""
    day = (t + MSK) // 86400 * 86400 - MSK
    return day + (9 + b.rng.uniform(0, 6)) * 3600


def _human_group(b: _Builder, city_index: int, m: int, session: np.ndarray, *, first: int, label: int,
                 scenario: str, ip: np.ndarray | None = None, phone: np.ndarray | None = None,
                 sizes: np.ndarray | None = None, channel: np.ndarray | None = None) -> None:
    rng = b.rng
    city = np.full(m, city_index)
    channel = rng.choice(3, m, p=[0.6, 0.05, 0.35]) if channel is None else channel
    code, first_delay, between = b.human_timing(m)
    b.add(_Voters(city=city, picks=b.pick_candidates(city, first=np.full(m, first), sizes=sizes), session=session,
                  code_to_verify=code, verify_to_vote=first_delay, between=between,
                  phone=b.resident_phones(m) if phone is None else phone, channel=channel,
                  ip=b.resident_ips(city) if ip is None else ip, ua=b.human_ua(channel),
                  telegram_id=b.resident_telegram_ids(m), label=label, scenario=_code(scenario)))


def _hard_negatives(b: _Builder, scale: float) -> None:
    rng = b.rng
    for index, shape in enumerate(b.cities):
        # Workplaces: one to three per city, a school or a plant backing one of its own.
        for _ in range(int(rng.integers(1, 4))):
            m = max(3, int(rng.integers(50, 151) * min(1.0, scale * 4)))
            t0 = _daytime(b, rng.uniform(b.start, b.end - 86400))
            session = t0 + np.minimum(rng.exponential(1.5 * 3600, m), 8 * 3600)
            net = int(rng.integers(0x0A000000 >> 8, 0xDF000000 >> 8))
            at_work = rng.random(m) < 0.8
            ip = np.where(at_work, (net << 8) | rng.integers(1, 255, m), b.resident_ips(np.full(m, index)))
            phone = b.resident_phones(m)
            corporate = rng.random(m) < 0.3  # corporate SIMs: a consecutive range bought by the employer
            base = int(b.resident_phones(1)[0]) // 1000 * 1000
            phone[corporate] = base + rng.choice(400, corporate.sum(), replace=False)
            channel = rng.choice(3, m, p=[0.75, 0.0, 0.25])
            sizes = rng.choice([1, 2, 3], m, p=[0.5, 0.3, 0.2])
            _human_group(b, index, m, session, first=int(rng.integers(shape.candidates)), label=HARD_NEGATIVE,
                         scenario="workplace", ip=ip, phone=phone, sizes=sizes, channel=channel)
        # Families: 2–5 people at one home address on one evening, voting for overlapping candidates.
        families = max(1, int(shape.voters * scale * 0.02))
        size = rng.integers(2, 6, families)
        members = int(size.sum())
        family = np.repeat(np.arange(families), size)
        city = np.full(members, index)
        home = b.resident_ips(np.full(families, index))
        evening = np.array([_daytime(b, t) for t in rng.uniform(b.start, b.end - 86400, families)]) + 8 * 3600
        session = evening[family] + rng.uniform(0, 7200, members)
        shared = b.pick_candidates(np.full(families, index))
        own = b.pick_candidates(city)
        picks = np.where(rng.random((members, 1)) < 0.6, shared[family], own)
        picks[:, 0] = shared[family, 0]
        picks = _dedupe_rows(picks)
        channel = rng.choice(3, members, p=[0.6, 0.05, 0.35])
        code, first, between = b.human_timing(members)
        b.add(_Voters(city=city, picks=picks, session=session, code_to_verify=code, verify_to_vote=first,
                      between=between, phone=b.resident_phones(members), channel=channel, ip=home[family],
                      ua=b.human_ua(channel), telegram_id=b.resident_telegram_ids(members), label=HARD_NEGATIVE,
                      scenario=_code("family")))


def _dedupe_rows(picks: np.ndarray) -> np.ndarray:
    picks = picks.copy()
    for j in range(1, picks.shape[1]):
        clash = np.any(picks[:, [j]] == picks[:, :j], axis=1)
        picks[clash, j] = -1
    return picks


# ----- attacks -----------------------------------------------------------------------------------------------
def _night(b: _Builder, day: float, hours: tuple[float, float] = (1.0, 5.0)) -> float:
    midnight = (day + MSK) // 86400 * 86400 - MSK
    return midnight + hours[0] * 3600 + b.rng.uniform(0, 0.5) * 3600


def _sim_farm(b: _Builder, scale: float) -> None:
    """(a) A SIM-farm bot: consecutive numbers, near-regular timing, few networks, nights, one or two candidates.

    It calls the public API with the platform app's user agent, as the residents' app does."""
    rng = b.rng
    city_index = int(np.argmax([c.voters for c in b.cities]))
    shape = b.cities[city_index]
    m = max(40, int(rng.integers(350, 500) * min(1.0, scale * 2)))
    targets = rng.choice(shape.candidates, 2, replace=False)
    nets = rng.integers(0x0A000000 >> 8, 0xDF000000 >> 8, int(rng.integers(2, 4)))
    base = int(b.resident_phones(1)[0]) // 100 * 100
    phone = base + np.arange(m)
    nights = int(rng.integers(2, 4))
    per_night = np.array_split(np.arange(m), nights)
    session = np.empty(m)
    period = rng.uniform(25, 45)
    for j, part in enumerate(per_night):
        t0 = _night(b, b.start + (1 + 2 * j) * 86400)
        session[part] = t0 + np.arange(len(part)) * period + rng.normal(0, period * 0.08, len(part))
    channel = np.full(m, API)
    sizes = rng.choice([1, 2], m, p=[0.3, 0.7])
    picks = np.full((m, K), -1, dtype=np.int32)
    picks[:, 0] = targets[0]
    picks[sizes == 2, 1] = targets[1]
    b.add(_Voters(city=np.full(m, city_index), picks=picks, session=session,
                  code_to_verify=rng.uniform(4, 9, m), verify_to_vote=rng.uniform(0.5, 2, m),
                  between=rng.uniform(0.5, 2, (m, K)), phone=phone, channel=channel,
                  ip=(rng.choice(nets, m) << 8) | rng.integers(1, 255, m),
                  ua=rng.choice(API_UAS, m).astype(np.int16), telegram_id=np.zeros(m, dtype=np.int64),
                  label=ATTACK, scenario=_code("sim_farm")))


def _click_farm(b: _Builder, scale: float) -> None:
    """(b) Paid humans: many networks, irregular human timing, but the same candidates within minutes, in waves."""
    rng = b.rng
    city_index = int(np.argsort([c.voters for c in b.cities])[-2 if len(b.cities) > 1 else -1])
    order = np.argsort(b.popularity[city_index])  # paid for two mid-table candidates (not the favourites)
    targets = order[len(order) // 3: len(order) // 3 + 2]
    waves = int(rng.integers(8, 14))
    sessions, picks = [], []
    for _ in range(waves):
        t0 = rng.uniform(b.start + 3600, b.end - 3600)
        hour = (t0 + MSK) // 3600 % 24
        if hour < 8:
            t0 += (9 - hour) * 3600
        w = max(4, int(rng.integers(12, 40) * min(1.0, scale * 2)))
        sessions.append(t0 + rng.gamma(2.0, 240.0, w))  # workers pick the task up within minutes
        p = np.full((w, K), -1, dtype=np.int32)
        p[:, 0], p[:, 1] = targets
        sloppy = rng.random(w) < 0.1  # some vote for one of the two only
        p[sloppy, 1] = -1
        camouflage = rng.random(w) < 0.35  # some add a popular candidate of their own
        p[camouflage, 2] = rng.choice(len(b.popularity[city_index]), camouflage.sum(), p=b.popularity[city_index])
        picks.append(_dedupe_rows(p))
    session = np.concatenate(sessions)
    m = len(session)
    channel = rng.choice(3, m, p=[0.8, 0.0, 0.2])
    code, first, between = b.human_timing(m)
    # Workers sit all over the country: their own home and mobile networks, none shared.
    ip = (rng.integers(0x0A000000 >> 8, 0xDF000000 >> 8, m) << 8) | rng.integers(1, 255, m)
    b.add(_Voters(city=np.full(m, city_index), picks=np.concatenate(picks), session=session, code_to_verify=code,
                  verify_to_vote=first, between=between, phone=b.resident_phones(m), channel=channel, ip=ip,
                  ua=b.human_ua(channel), telegram_id=b.resident_telegram_ids(m), label=ATTACK,
                  scenario=_code("click_farm")))


def _fresh_telegram(b: _Builder, scale: float) -> None:
    """(c) Telegram accounts bought in bulk (new ids), voting through the bot over two days, at human-like pace."""
    rng = b.rng
    city_index = int(np.argsort([c.voters for c in b.cities])[len(b.cities) // 2])
    shape = b.cities[city_index]
    m = max(40, int(rng.integers(250, 400) * min(1.0, scale * 2)))
    target = int(rng.integers(shape.candidates))
    t0 = rng.uniform(b.start + 86400, b.end - 3 * 86400)
    session = t0 + rng.uniform(0, 2 * 86400, m)
    sizes = rng.choice([1, 2], m, p=[0.7, 0.3])
    city = np.full(m, city_index)
    picks = b.pick_candidates(city, first=np.full(m, target), sizes=sizes)
    code, first, between = b.human_timing(m)
    b.add(_Voters(city=city, picks=picks, session=session, code_to_verify=code, verify_to_vote=first,
                  between=between, phone=b.resident_phones(m), channel=np.full(m, TELEGRAM),
                  ip=np.zeros(m, dtype=np.int64), ua=np.full(m, -1, dtype=np.int16),
                  telegram_id=rng.integers(TG_FRESH_LOW + 100_000_000, TG_FRESH_HIGH, m), label=ATTACK,
                  scenario=_code("fresh_telegram")))


def _novouralsk(b: _Builder, scale: float) -> None:
    """(d) Новоуральск 2025: two candidates of a 68-candidate city, about 90% of their votes fake.

    The fakes come from an SMS-activation service (numbers clustered in its blocks, codes read by software),
    through some dozens of proxy networks, day and night for the whole vote; most vote for both candidates."""
    rng = b.rng
    city_index = int(np.argmax([c.candidates for c in b.cities]))
    shape = b.cities[city_index]
    order = np.argsort(b.popularity[city_index])
    targets = order[len(order) // 2: len(order) // 2 + 2]
    organic_votes = b.popularity[city_index][targets] * shape.voters * scale * 1.8
    m = max(20, int(organic_votes.sum() * 9 / 1.8))  # ~9 fakes per real vote → about 90% fake
    session = rng.uniform(b.start, b.end, m)
    blocks = rng.integers(79000000000 // 100, 79999999999 // 100, max(3, m // 25))
    phone = rng.choice(blocks, m) * 100 + rng.integers(0, 100, m)
    picks = np.full((m, K), -1, dtype=np.int32)
    which = rng.choice(3, m, p=[0.8, 0.1, 0.1])
    picks[:, 0] = np.where(which == 2, targets[1], targets[0])
    picks[which == 0, 1] = targets[1]
    nets = rng.integers(0x0A000000 >> 8, 0xDF000000 >> 8, 40)
    channel = np.full(m, WEB)
    b.add(_Voters(city=np.full(m, city_index), picks=picks, session=session,
                  code_to_verify=rng.uniform(3, 10, m), verify_to_vote=rng.uniform(1, 4, m),
                  between=rng.uniform(1, 3, (m, K)), phone=phone, channel=channel,
                  ip=(rng.choice(nets, m) << 8) | rng.integers(1, 255, m), ua=b.human_ua(channel),
                  telegram_id=np.zeros(m, dtype=np.int64), label=ATTACK, scenario=_code("novouralsk")))


def _adaptive(b: _Builder, scale: float) -> None:
    """(e) An adaptive attacker: over ten days, the city's own rhythm and networks (residential proxies), human
    pace (people paid per vote, numbers rented from an activation service), and real candidates as camouflage."""
    rng = b.rng
    city_index = int(np.argsort([c.voters for c in b.cities])[-1])
    m = max(30, int(rng.integers(300, 450) * min(1.0, scale * 2)))
    target = int(np.argsort(b.popularity[city_index])[len(b.popularity[city_index]) // 2])
    rate = b.base_rate * ((b.minutes - b.start) < 10 * 86400)
    city = np.full(m, city_index)
    session = b.times(city, [rate] * len(b.cities))
    sizes = rng.choice([1, 2, 3], m, p=[0.2, 0.4, 0.4])
    picks = b.pick_candidates(city, first=np.full(m, target), sizes=sizes)
    blocks = rng.integers(79000000000 // 100, 79999999999 // 100, max(3, m // 6))
    phone = rng.choice(blocks, m) * 100 + rng.integers(0, 100, m)
    code, first, between = b.human_timing(m)
    channel = rng.choice(3, m, p=[0.9, 0.1, 0.0])
    b.add(_Voters(city=city, picks=picks, session=session, code_to_verify=code + rng.uniform(5, 30, m),
                  verify_to_vote=first, between=between, phone=phone, channel=channel, ip=b.resident_ips(city),
                  ua=b.human_ua(channel), telegram_id=np.zeros(m, dtype=np.int64), label=ATTACK,
                  scenario=_code("adaptive")))


ATTACKS: dict[str, Callable[[_Builder, float], None]] = {
    "sim_farm": _sim_farm, "click_farm": _click_farm, "fresh_telegram": _fresh_telegram,
    "novouralsk": _novouralsk, "adaptive": _adaptive,
}


def scenario_columns(name: str, cities: list[CityShape], *, seed: int, start: dt.datetime, end: dt.datetime,
                     scale: float = 1.0) -> PlanColumns:
    """The votes of scenario `name` as columns: organic voting with its hard negatives, plus the attack."""
    if name != "organic" and name not in ATTACKS:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIO_REGISTRY)}")
    rng = np.random.default_rng([seed, SCENARIO_REGISTRY.index(name)])
    return _generate(rng, cities, start, end, scale, [name] if name in ATTACKS else [])


def season_columns(cities: list[CityShape], *, seed: int, start: dt.datetime, end: dt.datetime, scale: float = 1.0,
                   attacks: tuple[str, ...] = tuple(ATTACKS)) -> PlanColumns:
    """A whole season: organic voting with its hard negatives and several attacks at once (benchmark, demo)."""
    unknown = set(attacks) - set(ATTACKS)
    if unknown:
        raise ValueError(f"unknown attacks: {', '.join(sorted(unknown))}")
    return _generate(np.random.default_rng([seed, 99]), cities, start, end, scale, list(attacks))


def _generate(rng: np.random.Generator, cities: list[CityShape], start: dt.datetime, end: dt.datetime,
              scale: float, attacks: list[str]) -> PlanColumns:
    if not cities:
        raise ValueError("a scenario needs at least one city")
    if end <= start:
        raise ValueError("the vote must end after it starts")
    b = _Builder(cities, rng, start.timestamp(), end.timestamp())
    _organic(b, scale)
    for attack in attacks:
        ATTACKS[attack](b, scale)
    return b.columns()


def to_planned(cols: PlanColumns) -> list[PlannedVote]:
    """The columns as `PlannedVote`s (in cast order), for the runner that casts them through the vote path."""
    utc = dt.UTC
    fromtimestamp = dt.datetime.fromtimestamp
    slugs = [shape.slug for shape in cols.cities]
    ips = cols.ip.tolist()
    ip_text = [f"{ip >> 24 & 255}.{ip >> 16 & 255}.{ip >> 8 & 255}.{ip & 255}" if ip else "" for ip in ips]
    ua_text = [*UA_STRINGS, ""]  # index -1 → ""
    return [
        PlannedVote(
            at=fromtimestamp(at, utc), city=slugs[city], candidate=candidate, phone=f"+{phone}",
            channel=CHANNELS[channel], ip=ip, user_agent=ua_text[ua],
            code_requested_at=fromtimestamp(requested, utc), verified_at=fromtimestamp(verified, utc),
            telegram_user_id=telegram_id if channel == TELEGRAM else None, label=LABELS[label],
            scenario=SCENARIO_NAMES[scenario],
        )
        for at, city, candidate, phone, channel, ip, ua, requested, verified, telegram_id, label, scenario in zip(
            cols.at.tolist(), cols.city.tolist(), cols.candidate.tolist(), cols.phone.tolist(),
            cols.channel.tolist(), ip_text, cols.ua.tolist(), cols.code_requested.tolist(), cols.verified.tolist(),
            cols.telegram_id.tolist(), cols.label.tolist(), cols.scenario.tolist(), strict=True)
    ]


Scenario = Callable[..., list[PlannedVote]]


def _scenario(name: str) -> Scenario:
    def generate(cities: list[CityShape], *, seed: int, start: dt.datetime, end: dt.datetime,
                 scale: float = 1.0) -> list[PlannedVote]:
        return to_planned(scenario_columns(name, cities, seed=seed, start=start, end=end, scale=scale))

    generate.__name__ = name
    generate.__doc__ = (ATTACKS[name].__doc__ if name in ATTACKS else _organic.__doc__) or name
    return generate


SCENARIO_REGISTRY = ("organic", "sim_farm", "click_farm", "fresh_telegram", "novouralsk", "adaptive")
SCENARIOS: dict[str, Scenario] = {name: _scenario(name) for name in SCENARIO_REGISTRY}

# A season of a few cities (thousands to tens of thousands of votes each); Новоуральск has 68 candidates.
DEFAULT_CITIES = [
    CityShape("novouralsk", 68, 6000),
    CityShape("seversk", 40, 12000),
    CityShape("zheleznogorsk", 35, 10000),
    CityShape("sarov", 30, 9000),
    CityShape("desnogorsk", 15, 3000),
]
DEFAULT_START = dt.datetime(2025, 9, 1, 7, 0, tzinfo=dt.UTC)  # 10:00 Moscow time
DEFAULT_END = dt.datetime(2025, 9, 15, 18, 0, tzinfo=dt.UTC)  # 21:00 Moscow time, two weeks later


def scaled_cities(total_voters: int, *, cities: int = 20) -> list[CityShape]:
    """`cities` cities sharing about `total_voters` organic voters (for the benchmark's large seasons)."""
    rng = np.random.default_rng(cities)
    weights = rng.lognormal(0, 0.6, cities)
    voters = np.maximum(100, (weights / weights.sum() * total_voters).astype(int))
    sizes = rng.integers(15, 69, cities)
    sizes[0] = 68
    return [CityShape(f"city-{i:02d}", int(sizes[i]), int(voters[i])) for i in range(cities)]
