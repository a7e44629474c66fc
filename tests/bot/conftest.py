"""The bot under test: the real dispatcher, fed real Update JSON through the real webhook endpoint, talking to
the fake Bot API server on 127.0.0.1 (`fake_telegram.py`)."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from tests.bot.fake_telegram import FakeTelegram
from tests.factories import ApplicationFactory, CityFactory, ConsentDocumentFactory, SeasonFactory, SphereFactory

from atomgrad.award.models import ConsentKind

TOKEN = "123456789:AAH-test-token-never-in-logs-0123456789"
WEBHOOK_SECRET = "webhook-secret-for-tests-0123456789"
WEBHOOK_URL = "/telegram/webhook/"

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def _card_cache_empty():
    """Each test's candidates are its own: no card list kept from an earlier test (ids repeat on SQLite)."""
    from atomgrad.bot.services import card_cache_clear

    card_cache_clear()
    yield
    card_cache_clear()


@pytest.fixture(scope="session")
def fake_server():
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
def telegram(fake_server: FakeTelegram, settings) -> FakeTelegram:
    """The fake Bot API, emptied, with the bot's settings pointing at it."""
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_API_BASE = fake_server.base_url
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.SITE_URL = "https://atomgrad.example"
    fake_server.reset()
    return fake_server


@dataclass(frozen=True)
class TgUser:
    id: int
    first_name: str = "Анна"
    language_code: str = "ru"

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}


class BotDriver:
    """Plays a Telegram client: sends messages, contacts and button presses as Update JSON to the webhook."""

    def __init__(self, fake: FakeTelegram, client: Client | None = None) -> None:
        self.fake = fake
        self.client = client or Client()
        self.callback_owner: dict[str, int] = {}

    def post(self, update: dict[str, Any], *, secret: str | None = WEBHOOK_SECRET) -> int:
        headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
        response = self.client.post(WEBHOOK_URL, data=json.dumps(update), content_type="application/json",
                                    **headers)
        return response.status_code

    def feed(self, update: dict[str, Any]) -> None:
        status = self.post(update)
        assert status == 200, status

    def _message(self, user: TgUser, **content: Any) -> dict[str, Any]:
        return {
            "update_id": next(_update_ids),
            "message": {
                "message_id": next(_message_ids), "date": int(time.time()),
                "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
                "from": user.as_json(), **content,
            },
        }

    def text(self, user: TgUser, text: str) -> None:
        self.feed(self.text_update(user, text))

    def text_update(self, user: TgUser, text: str) -> dict[str, Any]:
        if not text.startswith("/"):
            return self._message(user, text=text)
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._message(user, text=text, entities=entities)

    def contact(self, user: TgUser, phone: str, *, contact_user_id: int | None = None) -> None:
        contact = {"phone_number": phone, "first_name": user.first_name}
        owner = user.id if contact_user_id is None else contact_user_id
        if owner:
            contact["user_id"] = owner
        self.feed(self._message(user, contact=contact))

    def callback_update(self, user: TgUser, data: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        message = message or self.fake.last_message(user.id)
        callback_id = f"cb-{next(_update_ids)}"
        self.callback_owner[callback_id] = user.id
        return {
            "update_id": next(_update_ids),
            "callback_query": {
                "id": callback_id, "from": user.as_json(), "chat_instance": f"ci-{user.id}",
                "message": message, "data": data,
            },
        }

    def press_data(self, user: TgUser, data: str, message: dict[str, Any] | None = None) -> None:
        self.feed(self.callback_update(user, data, message))

    def press(self, user: TgUser, label: str) -> None:
        """Press the inline button whose text contains `label` on the newest message that has one."""
        message, button = self.fake.find_button(user.id, label)
        assert "callback_data" in button, f"{label!r} is a link, not a button"
        self.press_data(user, button["callback_data"], message)

    def answers(self, user: TgUser) -> list[str]:
        """Texts of the answers to this user's button presses (pop-ups), oldest first."""
        return [
            str(call.params.get("text", "")) for call in self.fake.calls_of("answerCallbackQuery")
            if self.callback_owner.get(str(call.params.get("callback_query_id"))) == user.id
        ]


@pytest.fixture
def driver(telegram: FakeTelegram) -> BotDriver:
    return BotDriver(telegram)


@dataclass
class World:
    season: Any
    city: Any
    other_city: Any
    spheres: list[Any]
    candidates: list[Any]
    other_candidate: Any


@pytest.fixture
def world(db) -> World:
    """A season with voting open, K=2, two cities; three published candidates in Sarov, one in Zarechny."""
    ConsentDocumentFactory(kind=ConsentKind.VOTER, version="voter-1", title="Согласие жителя")
    sarov = CityFactory(slug="sarov", name_ru="Саров", name_en="Sarov")
    zarechny = CityFactory(slug="zarechny", name_ru="Заречный", name_en="Zarechny")
    season = SeasonFactory(phase="voting", votes_per_voter=2, cities=[sarov, zarechny])
    science = SphereFactory(slug="science", name_ru="Наука", name_en="Science")
    culture = SphereFactory(slug="culture", name_ru="Культура", name_en="Culture")
    candidates = [
        ApplicationFactory(season=season, city=sarov, sphere=science, full_name="Алексеев Алексей Алексеевич",
                           status="accepted"),
        ApplicationFactory(season=season, city=sarov, sphere=culture, full_name="Борисова Белла Борисовна",
                           status="accepted"),
        ApplicationFactory(season=season, city=sarov, sphere=science, full_name="Васильев Василий Васильевич",
                           status="accepted"),
    ]
    other = ApplicationFactory(season=season, city=zarechny, sphere=science, full_name="Григорьев Григорий",
                               status="accepted")
    return World(season=season, city=sarov, other_city=zarechny, spheres=[science, culture],
                 candidates=candidates, other_candidate=other)


def register(driver: BotDriver, user: TgUser, phone: str, *, city: str = "Саров") -> None:
    """/start → consent → city → own contact."""
    driver.text(user, "/start")
    driver.press(user, "Согласен" if user.language_code != "en" else "I agree")
    driver.press(user, city)
    driver.contact(user, phone)
