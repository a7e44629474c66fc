from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

from atomgrad.api import api, openapi_json
from atomgrad.bot.site_views import city_poster

admin.site.site_header = _("«Новые Созидатели» — администрирование")
admin.site.site_title = _("atomgrad")
admin.site.index_title = _("Организаторы премии")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("api/openapi.json", openapi_json, name="openapi_json"),
    path("telegram/", include("atomgrad.bot.urls")),
    path("committee/posters/<slug:slug>.pdf", city_poster, name="city_poster"),
    path("", include("atomgrad.core.urls")),
    path("", include("atomgrad.award.urls")),
    path("", include("atomgrad.voting.urls")),
    path("", include("atomgrad.integrity.urls")),
    path("", include("atomgrad.results.urls")),
    path("", include("atomgrad.jobs.urls")),
    path("", include("atomgrad.citystats.urls")),
]

if settings.SERVE_MEDIA:
    # `make run` has no proxy in front; production serves MEDIA_ROOT from the proxy (docs/deployment.md).
    media_prefix = settings.MEDIA_URL.strip("/")
    urlpatterns += [re_path(rf"^{media_prefix}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
