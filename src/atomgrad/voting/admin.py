"""The vote in the organisers' admin: read-only views of votes, the ledger and annulments, and the one thing
organisers do here — extend a city's voting window (through `voting_extend`, so it is checked and audited).

Votes and ledger entries cannot be added, changed or deleted from the admin. No vote counts are listed per
candidate here: live counts are for the public results when a season makes them public.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atomgrad.core.admin import EXTENSION_FIELDS, CityWindowExtensionAdmin, CityWindowExtensionForm, ReadOnlyAdmin
from atomgrad.voting.models import LedgerEntry, Vote, VoteAnnulment, VotingExtension
from atomgrad.voting.receipts import receipt_normalise
from atomgrad.voting.services.ballots import voting_extend, voting_extension_validate


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["receipt_display", "season", "city", "channel", "cast_at"]
    list_filter = ["season", "channel"]
    search_fields = ["receipt"]
    show_full_result_count = False
    list_select_related = ["season", "city"]
    # Not the candidate: while counts are hidden, the admin is no place to tally them either.
    fields = ["season", "city", "channel", "cast_at", "receipt"]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        """Find a vote by its receipt code as a person reads it (K7Q2-9XMA-D4, any case)."""
        code = receipt_normalise(search_term)
        if code is not None:
            return queryset.filter(receipt=code), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("квитанция"), ordering="receipt")
    def receipt_display(self, obj: Vote) -> str:
        return obj.receipt_display


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "season", "kind", "created_at", "city_slug", "channel", "short_hash"]
    list_filter = ["season", "kind"]
    search_fields = ["entry_hash", "voter_pseudonym"]
    show_full_result_count = False
    exclude = ["candidate"]  # which candidate a vote was for is not an admin's lookup while counts are hidden

    @admin.display(description=_("хеш записи"))
    def short_hash(self, obj: LedgerEntry) -> str:
        return f"{obj.entry_hash[:16]}…"


@admin.register(VoteAnnulment)
class VoteAnnulmentAdmin(ReadOnlyAdmin):
    list_display = ["vote", "season", "reason_code", "actor", "created_at"]
    list_filter = ["season", "reason_code"]


class VotingExtensionForm(CityWindowExtensionForm):
    validate = staticmethod(voting_extension_validate)

    class Meta:
        model = VotingExtension
        fields = list(EXTENSION_FIELDS)
        help_texts = {
            "closes_at": _("Московское время. Позже окончания голосования в сезоне и не позже объявления итогов."),
            "reason": _("Причина попадает в журнал аудита."),
        }


@admin.register(VotingExtension)
class VotingExtensionAdmin(CityWindowExtensionAdmin):
    """Organisers extend a city's window here: «Добавить продление голосования»."""

    form = VotingExtensionForm
    grant = staticmethod(voting_extend)
