from django.contrib import admin

from atomgrad.cities.models import City, CommitteeMembership


class CommitteeInline(admin.TabularInline):
    model = CommitteeMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "name_en", "region_ru", "is_closed", "population"]
    list_filter = ["is_closed", "region_ru"]
    search_fields = ["name_ru", "name_en", "slug"]
    inlines = [CommitteeInline]


@admin.register(CommitteeMembership)
class CommitteeMembershipAdmin(admin.ModelAdmin):
    list_display = ["full_name", "city", "role", "user"]
    list_filter = ["role", "city"]
    search_fields = ["full_name", "user__username", "city__name_ru"]
    autocomplete_fields = ["user", "city"]
