from django.http import Http404, HttpRequest, HttpResponse


def apply(request: HttpRequest) -> HttpResponse:
    raise Http404


def apply_done(request: HttpRequest) -> HttpResponse:
    raise Http404


def apply_edit(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404
