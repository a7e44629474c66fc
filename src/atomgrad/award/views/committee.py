from django.http import Http404, HttpRequest, HttpResponse


def queue(request: HttpRequest) -> HttpResponse:
    raise Http404


def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    raise Http404


def application_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    raise Http404


def application_petition(request: HttpRequest, application_id: int) -> HttpResponse:
    raise Http404
