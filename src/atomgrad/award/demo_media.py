"""Files for the demo season, drawn with Pillow: candidates' portraits and nominators' petitions.

A portrait is an abstract head-and-shoulders silhouette on a soft gradient with the person's initials, the same
for the same seed every time; it is a fresh JPEG with no metadata (no EXIF, no ICC profile, no comments), as
every uploaded photo becomes. A petition is a one-page A4 "scan" saved as a real PDF (CCITT G4 inside), with
the wording a labour collective, an organisation or an initiative group would use, marked as demo data.
"""

from __future__ import annotations

import colorsys
import functools
import io
import multiprocessing
import os
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

from atomgrad.award.demo_people import transliterate

Job = TypeVar("Job")
Result = TypeVar("Result")

PHOTO_SIZE = (480, 600)  # portrait 4:5
PHOTO_JPEG_QUALITY = 84
_SUPERSAMPLE = 2  # shapes are drawn at twice the size and reduced: smooth edges without a blur

PETITION_DPI = 100
PETITION_SIZE = (827, 1169)  # A4 at 100 dpi
PETITION_MARGIN = 90

_FONT_DIRS = (
    "fonts",  # relative to the repository: fonts shipped with the project, if any
    "src/atomgrad/core/static/core/fonts",
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/freefont",
)
_FONT_FILES = {
    False: ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "PTSans-Regular.ttf", "FreeSans.ttf"),
    True: ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "PTSans-Bold.ttf", "FreeSansBold.ttf"),
}


@dataclass(frozen=True)
class _Font:
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    cyrillic: bool

    def text(self, value: str) -> str:
        """The text as this font can draw it: transliterated when the font has no Cyrillic letters."""
        return value if self.cyrillic else transliterate(value)


def _font_path(*, bold: bool) -> Path | None:
    for folder in _FONT_DIRS:
        base = Path(folder) if folder.startswith("/") else Path(settings.REPO_DIR) / folder
        for name in _FONT_FILES[bold]:
            if (base / name).is_file():
                return base / name
    return None


@functools.lru_cache(maxsize=32)
def _font(size: int, *, bold: bool = False) -> _Font:
    """A TrueType font with Cyrillic letters (DejaVu, Liberation, PT Sans, FreeSans), else Pillow's own font,
    which has none: texts are then transliterated rather than drawn as empty boxes."""
    path = _font_path(bold=bold) or _font_path(bold=not bold)
    if path is not None:
        return _Font(ImageFont.truetype(str(path), size), cyrillic=True)
    return _Font(ImageFont.load_default(size), cyrillic=False)


def _rgb(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


_HAIR_COLOURS = ((0.07, 0.55, 0.22), (0.08, 0.45, 0.35), (0.1, 0.5, 0.55), (0.0, 0.0, 0.15), (0.09, 0.35, 0.72))
_GREY_HAIR = (0.0, 0.0, 0.72)


@functools.lru_cache(maxsize=2)
def _gradient_column(height: int) -> Image.Image:
    return Image.linear_gradient("L").resize((1, height), Image.Resampling.BILINEAR)


def portrait_jpeg(*, seed: int, initials: str, female: bool, age: int) -> bytes:
    """A deterministic portrait for one person: the same arguments give the same bytes.

    Shapes are drawn straight onto a canvas twice the size, which is then halved once: smooth edges at the
    cost of one reduction (about 10 ms a portrait).
    """
    rng = random.Random(seed)
    width, height = PHOTO_SIZE
    big_w, big_h = width * _SUPERSAMPLE, height * _SUPERSAMPLE
    hue = rng.random()

    # a soft vertical gradient: one column blended from two colours, then stretched sideways
    top = Image.new("RGB", (1, big_h), _rgb(hue, rng.uniform(0.10, 0.22), rng.uniform(0.93, 0.98)))
    bottom = Image.new("RGB", (1, big_h), _rgb(hue + rng.uniform(-0.08, 0.08), rng.uniform(0.25, 0.4),
                                               rng.uniform(0.78, 0.88)))
    canvas = Image.composite(bottom, top, _gradient_column(big_h)).resize((big_w, big_h), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(canvas)

    centre = big_w / 2 + rng.uniform(-0.03, 0.03) * big_w
    head_rx = big_w * rng.uniform(0.15, 0.17)
    head_ry = head_rx * rng.uniform(1.2, 1.3)
    head_cy = big_h * rng.uniform(0.37, 0.40)
    shoulders_half = big_w * rng.uniform(0.44, 0.52)
    shoulders_top = head_cy + head_ry + big_h * rng.uniform(0.06, 0.09)
    hair = _rgb(*(_GREY_HAIR if age >= 60 and rng.random() < 0.7 else rng.choice(_HAIR_COLOURS)))
    skin = _rgb(rng.uniform(0.05, 0.09), rng.uniform(0.22, 0.38), rng.uniform(0.72, 0.92))
    clothes = _rgb(rng.random(), rng.uniform(0.35, 0.6), rng.uniform(0.35, 0.6))

    # hair behind the head: long for most women, a short rim otherwise
    if female and rng.random() < 0.8:
        draw.ellipse((centre - head_rx * 1.25, head_cy - head_ry * 1.1,
                      centre + head_rx * 1.25, head_cy + head_ry * rng.uniform(1.3, 1.8)), fill=hair)
    else:
        draw.ellipse((centre - head_rx * 1.06, head_cy - head_ry * 1.08,
                      centre + head_rx * 1.06, head_cy + head_ry * 0.3), fill=hair)
    neck_half = head_rx * 0.5
    draw.rounded_rectangle((centre - neck_half, head_cy + head_ry * 0.5, centre + neck_half,
                            shoulders_top + big_h * 0.05), radius=big_w * 0.04, fill=skin)
    # the head in the hair's colour, then the face over it, lower and a little narrower: the hair line
    draw.ellipse((centre - head_rx, head_cy - head_ry, centre + head_rx, head_cy + head_ry), fill=hair)
    face_rx = head_rx * (rng.uniform(0.88, 0.94) if female else rng.uniform(0.96, 0.99))
    face_top = head_ry * (rng.uniform(0.6, 0.75) if female else rng.uniform(0.72, 0.85))
    draw.ellipse((centre - face_rx, head_cy - face_top, centre + face_rx,
                  head_cy + head_ry), fill=skin)
    draw.ellipse((centre - shoulders_half, shoulders_top, centre + shoulders_half,
                  shoulders_top + big_h * rng.uniform(0.55, 0.65)), fill=clothes)

    picture = canvas.reduce(_SUPERSAMPLE)
    font = _font(64, bold=True)
    ImageDraw.Draw(picture).text((width / 2, height * 0.9), font.text(initials), font=font.font, anchor="mm",
                                 fill=(255, 255, 255))

    output = io.BytesIO()
    picture.save(output, "JPEG", quality=PHOTO_JPEG_QUALITY)
    return output.getvalue()


@dataclass(frozen=True)
class PetitionText:
    """What a petition says. Names are given in the nominative, the way forms are filled in."""

    season_year: int
    city_name: str
    nominator_name: str
    candidate_name: str
    candidate_position: str
    candidate_workplace: str
    grounds: str
    meeting_date: str  # already formatted «12.06.2026»
    protocol_number: int
    votes_for: int
    votes_abstained: int
    chair_name: str
    secretary_name: str


def _wrap(text: str, font: _Font, max_width: float) -> list[str]:
    """Break a paragraph into lines no wider than `max_width` pixels in this font."""
    lines: list[str] = []
    current, width = "", 0.0
    space = _word_width(font, " ")
    for word in font.text(text).split():
        word_width = _word_width(font, word)
        if current and width + space + word_width > max_width:
            lines.append(current)
            current, width = word, word_width
        else:
            current, width = (f"{current} {word}", width + space + word_width) if current else (word, word_width)
    return [*lines, current]


@functools.lru_cache(maxsize=4096)
def _word_width(font: _Font, word: str) -> float:
    return font.font.getlength(word)


def _draw_paragraph(draw: ImageDraw.ImageDraw, text: str, *, top: float, size: int = 17, bold: bool = False,
                    centred: bool = False, spacing: float = 1.45) -> float:
    """Draw a wrapped paragraph from `top` down; returns the `top` below it."""
    font = _font(size, bold=bold)
    page_width = PETITION_SIZE[0]
    line_height = size * spacing
    for line in _wrap(text, font, page_width - 2 * PETITION_MARGIN):
        if centred:
            draw.text((page_width / 2, top), line, font=font.font, fill=0, anchor="ma")
        else:
            draw.text((PETITION_MARGIN, top), line, font=font.font, fill=0)
        top += line_height
    return top


_PETITION_HEADER_BOTTOM = PETITION_MARGIN + 3 * 22 + 50


@functools.lru_cache(maxsize=64)
def _petition_blank(season_year: int, city_name: str) -> tuple[Image.Image, float]:
    """The part of a petition that is the same for a city and year (the address, the title, the footer),
    drawn once; returns the page and where the body starts."""
    page = Image.new("L", PETITION_SIZE, 255)
    draw = ImageDraw.Draw(page)
    right = PETITION_SIZE[0] - PETITION_MARGIN
    small = _font(15)
    top: float = PETITION_MARGIN
    for line in ("В городской организационный комитет", "премии «Новые Созидатели»", f"г. {city_name}"):
        draw.text((right, top), small.text(line), font=small.font, fill=0, anchor="ra")
        top += 22
    top = _draw_paragraph(draw, "ХОДАТАЙСТВО", top=_PETITION_HEADER_BOTTOM, size=26, bold=True, centred=True)
    top = _draw_paragraph(
        draw, "о выдвижении соискателя премии народного признания атомных городов "
              f"«Новые Созидатели» — {season_year}", top=top + 6, size=16, centred=True,
    )
    note = _font(13)
    draw.text((PETITION_SIZE[0] / 2, PETITION_SIZE[1] - 60),
              note.text("Демонстрационный документ: организации и люди вымышлены."), font=note.font, fill=0,
              anchor="ma")
    return page, top + 30


def petition_pdf(petition: PetitionText) -> bytes:
    """A one-page petition (ходатайство) as a valid PDF: a bilevel A4 page image, CCITT G4 compressed."""
    blank, top = _petition_blank(petition.season_year, petition.city_name)
    page = blank.copy()
    draw = ImageDraw.Draw(page)
    right = PETITION_SIZE[0] - PETITION_MARGIN
    top = _draw_paragraph(
        draw, f"{petition.nominator_name} выдвигает соискателем премии «Новые Созидатели» от города "
              f"{petition.city_name}:", top=top,
    )
    top = _draw_paragraph(draw, petition.candidate_name, top=top + 8, size=20, bold=True, centred=True)
    top = _draw_paragraph(draw, f"{petition.candidate_position}, {petition.candidate_workplace}", top=top + 4,
                          centred=True, size=16)
    top += 18
    top = _draw_paragraph(draw, f"Основания выдвижения: {petition.grounds}", top=top)
    top += 12
    top = _draw_paragraph(
        draw, f"Решение принято на собрании {petition.meeting_date} открытым голосованием: «за» — "
              f"{petition.votes_for}, «против» — 0, «воздержались» — {petition.votes_abstained} "
              f"(протокол № {petition.protocol_number}).", top=top,
    )
    top = _draw_paragraph(draw, "Согласие соискателя на выдвижение и на обработку персональных данных получено.",
                          top=top + 12)
    top += 60
    regular = _font(17)
    for role, name in (("Председатель собрания", petition.chair_name), ("Секретарь собрания", petition.secretary_name)):
        draw.text((PETITION_MARGIN, top), regular.text(role), font=regular.font, fill=0)
        draw.line((PETITION_MARGIN + 260, top + 20, PETITION_MARGIN + 430, top + 20), fill=0, width=1)
        draw.text((right, top), regular.text(name), font=regular.font, fill=0, anchor="ra")
        top += 60
    draw.text((PETITION_MARGIN, top), regular.text(petition.meeting_date), font=regular.font, fill=0)

    output = io.BytesIO()
    page.convert("1", dither=Image.Dither.NONE).save(output, "PDF", resolution=PETITION_DPI,
                                                     title="Ходатайство (демонстрационные данные)")
    return output.getvalue()


@dataclass(frozen=True)
class MediaJob:
    """The files of one demo application, described by plain values (so a worker process can draw them)."""

    photo_seed: int
    initials: str
    female: bool
    age: int
    photo_name: str  # where to store the files (storage names, chosen by the caller)
    petition: PetitionText | None = None
    petition_name: str = ""


def media_render(job: MediaJob) -> tuple[bytes, bytes | None]:
    """(portrait JPEG, petition PDF or None) for one application."""
    photo = portrait_jpeg(seed=job.photo_seed, initials=job.initials, female=job.female, age=job.age)
    return photo, petition_pdf(job.petition) if job.petition is not None else None


def ordered_map(function: Callable[[Job], Result], jobs: Sequence[Job], *, workers: int | None = None,
                ) -> Iterator[Result]:
    """`map(function, jobs)` on every core (up to 4), results in order: for drawing many files.

    Workers are forked processes: `function` must not use the database (a forked process must not touch the
    connection it inherits; workers leave with `os._exit`, so the parent's connection is unaffected). Where
    `fork` is unavailable, or for a handful of jobs, everything runs in this process.
    """
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(jobs) < 40 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(function, jobs)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(function, jobs, chunksize=8)
