from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

app_name = "voting"


def login(request: HttpRequest) -> HttpResponse:  # placeholder until the voting work lands
    raise Http404


urlpatterns = [path("vote/login/", login, name="login")]
