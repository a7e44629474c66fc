"""The demo of what the cities do: clearly fictional master plans, contest applications, programmes and events,
shaped like the press release — Краснокаменск's plan above 10 bn roubles (housing and utilities, a technical
college's repair, public spaces), 14 contest winners in one year, more than 200 events in 26 cities reaching more
than 100,000 residents in that year, more than 10 programmes. The plans and the contest go through the same
imports as a real file; everything is marked `is_demo` and the pages say it is fictional.

«The release year» is the last complete year in Moscow (the year the summary shows by default); the current year
gets events up to two months ahead, so every city's calendar has upcoming events."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from atomgrad.cities.models import City
from atomgrad.citystats.models import (
    CityReach,
    ContestApplication,
    Event,
    EventFormat,
    MasterPlan,
    Programme,
)
from atomgrad.citystats.plans import moscow_today
from atomgrad.citystats.services.contest import COLUMNS as CONTEST_COLUMNS
from atomgrad.citystats.services.contest import contest_import
from atomgrad.citystats.services.plans import COLUMNS as PLAN_COLUMNS
from atomgrad.citystats.services.plans import plan_import
from atomgrad.citystats.tabular import csv_render
from atomgrad.core.timefmt import MOSCOW

SEED = 2026
# (code, name, aim) — fictional programmes in the Union's spirit
PROGRAMMES = [
    ("gorod-idey", "Город идей", "Собрать предложения жителей к проектам благоустройства"),
    ("atom-volonter", "Атом-волонтёр", "Поддержать добровольческие объединения города"),
    ("shkola-gorodskih-proektov", "Школа городских проектов", "Научить активистов готовить заявки на конкурсы"),
    ("dvory-vmeste", "Дворы вместе", "Вовлечь соседей в уход за дворами"),
    ("kultura-ryadom", "Культура рядом", "Привезти театральные и музейные программы в малые города"),
    ("sport-dlya-vseh", "Спорт для всех", "Открыть бесплатные тренировки на городских площадках"),
    ("starshee-pokolenie", "Старшее поколение", "Поддержать активность жителей старшего возраста"),
    ("molodye-professionaly", "Молодые профессионалы", "Помочь молодёжи найти дело в родном городе"),
    ("ekogorod", "Экогород", "Сократить отходы и озеленить улицы"),
    ("istoriya-atomgrada", "История атомграда", "Сохранить память о людях, построивших город"),
    ("gorodskie-media", "Городские медиа", "Поддержать местные медиа и городские сообщества"),
]
FORMATS = [EventFormat.IN_PERSON] * 7 + [EventFormat.HYBRID] * 2 + [EventFormat.ONLINE]
KINDS = ["Форум", "Мастерская", "Встреча", "Фестиваль", "Субботник", "Лекция", "Турнир", "Экскурсия"]
PLACES = ["Дворец культуры", "центральная площадь", "городская библиотека", "молодёжный центр", "парк",
          "школа № 1", "стадион", "краеведческий музей"]


@dataclass
class DevelopmentDemo:
    loaded: bool
    release_year: int = 0
    events: int = 0
    plans: int = 0


def _krasnokamensk_rows(today: dt.date) -> list[list[str]]:
    """Краснокаменск's fictional plan: 10.95 bn roubles."""
    y = today.year
    d = lambda year, month, day: dt.date(year, month, day).strftime("%d.%m.%Y")  # noqa: E731
    city = "Краснокаменск"
    rows = []
    projects = [
        ("KK-01", "Реконструкция тепловых сетей и котельной", "housing_utilities", "in_progress",
         "Администрация городского поселения «Город Краснокаменск»", "2100000000", "1200000000", "150000000",
         "750000000", "0",
         [("Проектная документация", d(y - 2, 6, 30), d(y - 2, 6, 20), "95000000"),
          ("Первая очередь сетей", d(y - 1, 10, 1), d(y - 1, 10, 15), "1450000000"),
          ("Новая котельная", d(y, 9, 30), "", ""), ("Вторая очередь сетей", d(y + 1, 10, 1), "", "")]),
        ("KK-02", "Модернизация водоснабжения и водоотведения", "housing_utilities", "in_progress",
         "Министерство ЖКХ Забайкальского края", "1100000000", "700000000", "80000000", "220000000", "0",
         [("Водозабор", d(y - 1, 8, 31), d(y - 1, 8, 25), "610000000"),
          ("Очистные сооружения", d(y, 3, 31), "", ""), ("Сети водоотведения", d(y + 1, 9, 30), "", "")]),
        ("KK-03", "Капитальный ремонт многоквартирных домов", "housing_utilities", "in_progress",
         "Фонд капитального ремонта Забайкальского края", "900000000", "600000000", "200000000", "250000000",
         "0",
         [("Первые 40 домов", d(y - 1, 11, 30), d(y - 1, 12, 20), "720000000"),
          ("Следующие 60 домов", d(y, 11, 30), "", "")]),
        ("KK-04", "Ремонт технического колледжа", "education", "in_progress",
         "Министерство образования Забайкальского края", "300000000", "250000000", "0", "300000000", "0",
         [("Кровля и фасад", d(y - 1, 9, 1), d(y - 1, 8, 28), "240000000"),
          ("Мастерские и общежитие", d(y, 8, 31), "", "")]),
        ("KK-05", "Центральная площадь и набережная", "public_spaces", "in_progress",
         "Администрация городского поселения «Город Краснокаменск»", "600000000", "250000000", "50000000",
         "350000000", "60000000",
         [("Центральная площадь", d(y - 1, 9, 1), d(y - 1, 9, 1), "520000000"),
          ("Набережная", d(y, 10, 1), "", "")]),
        ("KK-06", "Городской парк", "public_spaces", "planned",
         "Администрация городского поселения «Город Краснокаменск»", "250000000", "100000000", "30000000",
         "150000000", "70000000", [("Проект парка", d(y + 1, 5, 31), "", "")]),
    ]
    for code, name, category, status, body, fed, reg, mun, ros, extra, milestones in projects:
        for milestone in milestones:
            rows.append([city, code, name, category, status, body, fed, reg, mun, ros, extra, *milestone])
    return rows


def _other_plan_rows(cities: list[City], today: dt.date, rng: random.Random) -> list[list[str]]:
    rows = []
    y = today.year
    for city in cities:
        for number, (category, name) in enumerate([("public_spaces", "Благоустройство центральной улицы"),
                                                   ("education", "Новая школа"),
                                                   ("housing_utilities", "Ремонт сетей теплоснабжения")], start=1):
            budget = rng.randrange(150, 900) * 1_000_000
            late = rng.random() < 0.35
            done_date = dt.date(y - 1, rng.randrange(3, 12), 15)
            rows.append([city.name_ru, f"P-{number}", name, category, "in_progress",
                         f"Администрация города {city.name_ru}", str(budget // 2), str(budget // 4), str(budget // 8),
                         str(budget - budget // 2 - budget // 4 - budget // 8), "0",
                         "Проектирование", done_date.strftime("%d.%m.%Y"), done_date.strftime("%d.%m.%Y"),
                         str(budget // 10)])
            planned = today - dt.timedelta(days=rng.randrange(20, 120)) if late else dt.date(y + 1, 6, 30)
            rows.append([city.name_ru, f"P-{number}", name, category, "in_progress",
                         f"Администрация города {city.name_ru}", str(budget // 2), str(budget // 4), str(budget // 8),
                         str(budget - budget // 2 - budget // 4 - budget // 8), "0",
                         "Строительство", planned.strftime("%d.%m.%Y"), "", ""])
    return rows


def _contest_rows(cities: list[City], release_year: int, rng: random.Random) -> list[list[str]]:
    rows = []
    winners_per_year = {release_year - 2: 9, release_year - 1: 11, release_year: 14}
    for year, winners in winners_per_year.items():
        applicants = rng.sample(cities, min(len(cities), winners + 8))
        for index, city in enumerate(applicants):
            won = index < winners
            stage = "федеральный" if won or index < winners + 3 else rng.choice(["муниципальный", "региональный"])
            rows.append([city.name_ru, str(year), rng.choice(["центральный парк", "набережная", "городская площадь",
                                                              "бульвар", "сквер у Дворца культуры"]),
                         rng.choice(["Парк для всех поколений", "Набережная встреч", "Площадь атомщиков",
                                     "Бульвар первостроителей", "Сквер науки"]),
                         str(rng.randrange(800, 9000)), str(rng.randrange(20, 45)), stage,
                         "победитель" if won else "не победил",
                         str(rng.randrange(50, 100) * 1_000_000) if won else ""])
    return rows


def _event(city: City, programme: Programme, starts: dt.datetime, rng: random.Random, *, past: bool) -> Event:
    return Event(city=city, programme=programme, is_demo=True, starts_at=starts.astimezone(dt.UTC),
                 title=f"{rng.choice(KINDS)} «{programme.name}»", duration_minutes=rng.choice([90, 120, 180, 240]),
                 format=rng.choice(FORMATS), place=f"{city.name_ru}, {rng.choice(PLACES)}",
                 attendance=rng.randrange(180, 900) if past else None)


@transaction.atomic
def development_demo_load(*, seed: int = SEED, if_empty: bool = False,
                          now: dt.datetime | None = None) -> DevelopmentDemo:
    """Load (or reload) the demo. Never over real data: any plan, application or event that is not the demo's
    keeps the demo out."""
    real = (MasterPlan.objects.filter(is_demo=False).exists()
            or ContestApplication.objects.filter(is_demo=False).exists()
            or Event.objects.filter(is_demo=False).exists())
    if real or (if_empty and (MasterPlan.objects.exists() or Event.objects.exists())):
        return DevelopmentDemo(loaded=False)
    today = moscow_today(now)
    release_year = today.year - 1
    rng = random.Random(seed)
    cities = list(City.objects.order_by("name_ru"))
    if not cities:
        return DevelopmentDemo(loaded=False)
    MasterPlan.objects.filter(is_demo=True).delete()
    ContestApplication.objects.filter(is_demo=True).delete()
    Event.objects.filter(is_demo=True).delete()
    CityReach.objects.filter(is_demo=True).delete()
    Programme.objects.filter(is_demo=True).delete()
    others = [c for c in cities if c.slug in ("sarov", "seversk", "zheleznogorsk", "novouralsk", "ozyorsk",
                                               "sosnovy-bor")]
    plan_rows = [list(PLAN_COLUMNS), *_krasnokamensk_rows(today), *_other_plan_rows(others, today, rng)]
    plan_import(content=csv_render(plan_rows).encode(), actor=None, file_name="demo-master-plans.csv", is_demo=True,
                now=now)
    contest_import(content=csv_render([list(CONTEST_COLUMNS), *_contest_rows(cities, release_year, rng)]).encode(),
                   actor=None, file_name="demo-contest.csv", is_demo=True)
    programmes = [Programme.objects.create(code=code, name=name, aim=aim, is_demo=True)
                  for code, name, aim in PROGRAMMES]
    event_cities = [c for c in cities if c.slug not in ("bilibino", "pevek", "lermontov", "kovrov", "glazov")][:26]
    events: list[Event] = []
    moment = now or dt.datetime.now(dt.UTC)
    # the release year: 9 events in each of 26 cities (234), every one with its attendance
    for city in event_cities:
        for _ in range(9):
            day = dt.date(release_year, 1, 1) + dt.timedelta(days=rng.randrange(0, 365))
            starts = dt.datetime(day.year, day.month, day.day, rng.choice([11, 12, 15, 17, 18]), rng.choice([0, 30]),
                                 tzinfo=MOSCOW)
            events.append(_event(city, rng.choice(programmes), starts, rng, past=True))
    # the current year up to two months ahead: 2 a month per city, attendance only for those that have started
    start = dt.date(today.year, 1, 1)
    horizon = (today - start).days + 60
    for city in event_cities:
        for _ in range(max(2, horizon * 2 // 30)):
            day = start + dt.timedelta(days=rng.randrange(0, horizon))
            starts = dt.datetime(day.year, day.month, day.day, rng.choice([12, 15, 18]), 0, tzinfo=MOSCOW)
            events.append(_event(city, rng.choice(programmes), starts, rng, past=starts <= moment))
    Event.objects.bulk_create(events)
    for programme in programmes:
        programme.cities.set({event.city for event in events if event.programme_id == programme.pk})
    # distinct residents are known (by registration) in a few cities: fewer than the attendance, as people return
    for city in event_cities[:6]:
        attendance = sum(e.attendance or 0 for e in events if e.city == city and e.starts_at.astimezone(MOSCOW).year
                         == release_year)
        CityReach.objects.create(city=city, year=release_year, distinct_residents=int(attendance * 0.8),
                                 is_demo=True)
    return DevelopmentDemo(loaded=True, release_year=release_year, events=len(events),
                           plans=MasterPlan.objects.count())
