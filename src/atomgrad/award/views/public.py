from django.http import Http404, HttpRequest, HttpResponse


def city_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def candidate_detail(request: HttpRequest, candidate_id: int) -> HttpResponse:
    raise Http404
