"""Write a city's protocol PDF: the latest recorded protocol (signed, or the newest draft); `--generate --as USER`
records a new draft first; `--preview` renders the current count without recording anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from atomgrad.core.errors import ApplicationError
from atomgrad.results.management.commands._common import city_from, season_from
from atomgrad.results.pdf.render import render_pdf
from atomgrad.results.selectors import committee_members, protocol_latest
from atomgrad.results.services.protocol import protocol_context, protocol_generate
from atomgrad.results.services.tally import city_tally


class Command(BaseCommand):
    help = "Записать PDF протокола итогов голосования города."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--season", type=int, help="год сезона (по умолчанию последний)")
        parser.add_argument("--city", required=True, help="код (slug) города")
        parser.add_argument("--output", "-o", help="куда записать PDF (по умолчанию protocol-<год>-<город>.pdf)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--generate", action="store_true", help="сформировать и записать новый проект протокола")
        mode.add_argument("--preview", action="store_true",
                          help="предварительный подсчёт в PDF, ничего не записывая в базу")
        parser.add_argument("--as", dest="username", help="от чьего имени формируется проект (с --generate)")

    def handle(self, *args: Any, **options: Any) -> None:
        season = season_from(options["season"])
        city = city_from(options["city"])
        output = Path(options["output"] or f"protocol-{season.year}-{city.slug}.pdf")
        if options["preview"]:
            tally = city_tally(season=season, city=city)
            members = [{"full_name": m.full_name, "role": str(m.get_role_display()).capitalize()}
                       for m in committee_members(city=city)]
            context = protocol_context(data=tally.as_data(), number=0, generated_at=timezone.now(), members=members)
            context["warning"] = ("ПРЕДВАРИТЕЛЬНЫЙ ПОДСЧЁТ — не протокол: не записан и не может быть подписан. "
                                  + context["warning"])
            output.write_bytes(render_pdf("protocol.html", context))
            self.stdout.write(f"Предварительный подсчёт записан в {output}")
            return
        if options["generate"]:
            if not options["username"]:
                raise CommandError("Укажите, от чьего имени формируется проект: --as <имя пользователя>.")
            actor = get_user_model().objects.filter(username=options["username"]).first()
            if actor is None:
                raise CommandError(f"Пользователя «{options['username']}» нет.")
            try:
                protocol = protocol_generate(actor=actor, season=season, city=city)
            except ApplicationError as error:
                raise CommandError(error.message_ru) from error
        else:
            protocol = protocol_latest(season=season, city=city)
            if protocol is None:
                raise CommandError(f"У города {city.name_ru} ещё нет протокола в сезоне {season.year}: сформируйте "
                                   "его (--generate --as <пользователь>) или посмотрите подсчёт (--preview).")
        with protocol.pdf.open("rb") as stream:
            output.write_bytes(stream.read())
        self.stdout.write(f"Протокол № {protocol.version} ({protocol.get_status_display()}) записан в {output}; "
                          f"SHA-256 {protocol.pdf_sha256}")
