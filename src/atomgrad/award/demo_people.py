"""Fictional people for the demo season: names that are obviously invented, never a real person's.

Surnames are made up on the award's theme (atoms, reactors, creation) and always come in a correct
masculine / feminine pair; first names and patronymics are common Russian ones with their correct gendered
forms. Everything is drawn from a `random.Random` the caller seeds, so a seed gives the same people.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from enum import StrEnum


class Gender(StrEnum):
    MALE = "m"
    FEMALE = "f"


# (masculine, feminine). Invented on purpose: keep them obviously fictional when adding more.
SURNAME_PAIRS: tuple[tuple[str, str], ...] = (
    ("Атомов", "Атомова"),
    ("Реакторов", "Реакторова"),
    ("Изотопов", "Изотопова"),
    ("Нейтронов", "Нейтронова"),
    ("Созидаев", "Созидаева"),
    ("Кварков", "Кваркова"),
    ("Протонов", "Протонова"),
    ("Циклотронов", "Циклотронова"),
    ("Электронов", "Электронова"),
    ("Позитронов", "Позитронова"),
    ("Нуклонов", "Нуклонова"),
    ("Мезонов", "Мезонова"),
    ("Адронов", "Адронова"),
    ("Бозонов", "Бозонова"),
    ("Лептонов", "Лептонова"),
    ("Фотонов", "Фотонова"),
    ("Квантов", "Квантова"),
    ("Токамаков", "Токамакова"),
    ("Синхротронов", "Синхротронова"),
    ("Бетатронов", "Бетатронова"),
    ("Дейтериев", "Дейтериева"),
    ("Тритиев", "Тритиева"),
    ("Ураниев", "Ураниева"),
    ("Ториев", "Ториева"),
    ("Цирконов", "Цирконова"),
    ("Графитов", "Графитова"),
    ("Мегаваттов", "Мегаваттова"),
    ("Киловаттов", "Киловаттова"),
    ("Термоядов", "Термоядова"),
    ("Полураспадов", "Полураспадова"),
    ("Дозиметров", "Дозиметрова"),
    ("Твэлов", "Твэлова"),
    ("Изобаров", "Изобарова"),
    ("Ускорителев", "Ускорителева"),
    ("Замедлителев", "Замедлителева"),
    ("Плазмин", "Плазмина"),
    ("Центрифугин", "Центрифугина"),
    ("Ядрышкин", "Ядрышкина"),
    ("Созидателев", "Созидателева"),
    ("Новостроев", "Новостроева"),
    ("Энергиев", "Энергиева"),
    ("Реакторский", "Реакторская"),
    ("Атомградский", "Атомградская"),
    ("Спектральский", "Спектральская"),
    ("Теплообменский", "Теплообменская"),
)

SURNAMES: frozenset[str] = frozenset(name for pair in SURNAME_PAIRS for name in pair)

MALE_FIRST_NAMES: tuple[str, ...] = (
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Валерий", "Василий", "Виктор",
    "Владимир", "Вячеслав", "Геннадий", "Георгий", "Григорий", "Денис", "Дмитрий", "Евгений", "Егор", "Иван",
    "Игорь", "Илья", "Кирилл", "Константин", "Леонид", "Максим", "Матвей", "Михаил", "Никита", "Николай",
    "Олег", "Павел", "Пётр", "Роман", "Руслан", "Сергей", "Станислав", "Степан", "Тимофей", "Фёдор", "Юрий",
    "Ярослав",
)

FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Александра", "Алина", "Алёна", "Анастасия", "Анна", "Валентина", "Валерия", "Вера", "Виктория", "Галина",
    "Дарья", "Евгения", "Екатерина", "Елена", "Елизавета", "Жанна", "Зоя", "Ирина", "Карина", "Кристина",
    "Ксения", "Лариса", "Людмила", "Любовь", "Марина", "Мария", "Надежда", "Наталья", "Нина", "Оксана",
    "Ольга", "Полина", "Светлана", "София", "Татьяна", "Ульяна", "Юлия", "Яна",
)

# A father's first name -> (son's patronymic, daughter's patronymic).
PATRONYMICS: dict[str, tuple[str, str]] = {
    "Александр": ("Александрович", "Александровна"),
    "Алексей": ("Алексеевич", "Алексеевна"),
    "Анатолий": ("Анатольевич", "Анатольевна"),
    "Андрей": ("Андреевич", "Андреевна"),
    "Борис": ("Борисович", "Борисовна"),
    "Валентин": ("Валентинович", "Валентиновна"),
    "Валерий": ("Валерьевич", "Валерьевна"),
    "Василий": ("Васильевич", "Васильевна"),
    "Виктор": ("Викторович", "Викторовна"),
    "Владимир": ("Владимирович", "Владимировна"),
    "Геннадий": ("Геннадьевич", "Геннадьевна"),
    "Георгий": ("Георгиевич", "Георгиевна"),
    "Григорий": ("Григорьевич", "Григорьевна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Евгений": ("Евгеньевич", "Евгеньевна"),
    "Иван": ("Иванович", "Ивановна"),
    "Игорь": ("Игоревич", "Игоревна"),
    "Илья": ("Ильич", "Ильинична"),
    "Константин": ("Константинович", "Константиновна"),
    "Леонид": ("Леонидович", "Леонидовна"),
    "Лев": ("Львович", "Львовна"),
    "Максим": ("Максимович", "Максимовна"),
    "Михаил": ("Михайлович", "Михайловна"),
    "Никита": ("Никитич", "Никитична"),
    "Николай": ("Николаевич", "Николаевна"),
    "Олег": ("Олегович", "Олеговна"),
    "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"),
    "Роман": ("Романович", "Романовна"),
    "Семён": ("Семёнович", "Семёновна"),
    "Сергей": ("Сергеевич", "Сергеевна"),
    "Степан": ("Степанович", "Степановна"),
    "Фёдор": ("Фёдорович", "Фёдоровна"),
    "Юрий": ("Юрьевич", "Юрьевна"),
    "Яков": ("Яковлевич", "Яковлевна"),
}

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
}


def transliterate(text: str) -> str:
    """Latin letters for a Russian word (for made-up e-mail addresses and fallback fonts)."""
    out = []
    for char in text:
        latin = _TRANSLIT.get(char.lower())
        if latin is None:
            out.append(char)
        else:
            out.append(latin.capitalize() if char.isupper() and latin else latin)
    return "".join(out)


@dataclass(frozen=True)
class FictionalPerson:
    surname: str
    first_name: str
    patronymic: str
    gender: Gender
    birth_date: dt.date

    @property
    def full_name(self) -> str:
        """«Фамилия Имя Отчество», the order of Russian documents."""
        return f"{self.surname} {self.first_name} {self.patronymic}"

    @property
    def initials(self) -> str:
        """«ИА» for Атомов Иван: first name first, as people write their own initials."""
        return f"{self.first_name[0]}{self.surname[0]}"

    @property
    def short_name(self) -> str:
        """«Атомов И. С.»"""
        return f"{self.surname} {self.first_name[0]}. {self.patronymic[0]}."

    @property
    def is_female(self) -> bool:
        return self.gender is Gender.FEMALE


def person_fictional(
    rng: random.Random, *, on_date: dt.date, min_age: int = 18, max_age: int = 75,
    female_share: float = 0.5,
) -> FictionalPerson:
    """An invented person aged `min_age`..`max_age` (inclusive) on `on_date`."""
    if not 0 <= min_age <= max_age:
        raise ValueError("min_age must not exceed max_age")
    gender = Gender.FEMALE if rng.random() < female_share else Gender.MALE
    male_surname, female_surname = rng.choice(SURNAME_PAIRS)
    father = rng.choice(tuple(PATRONYMICS))
    son_patronymic, daughter_patronymic = PATRONYMICS[father]
    if gender is Gender.FEMALE:
        surname, first_name, patronymic = female_surname, rng.choice(FEMALE_FIRST_NAMES), daughter_patronymic
    else:
        surname, first_name, patronymic = male_surname, rng.choice(MALE_FIRST_NAMES), son_patronymic
    return FictionalPerson(
        surname=surname, first_name=first_name, patronymic=patronymic, gender=gender,
        birth_date=birth_date_for_age(rng, on_date=on_date, min_age=min_age, max_age=max_age),
    )


def birth_date_for_age(rng: random.Random, *, on_date: dt.date, min_age: int, max_age: int) -> dt.date:
    """A birth date of someone whose age on `on_date` is between `min_age` and `max_age`, both inclusive."""
    latest = _years_before(on_date, min_age)  # turned min_age on on_date at the latest
    earliest = _years_before(on_date, max_age + 1) + dt.timedelta(days=1)  # not yet max_age + 1
    return earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)
