from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atomgrad.award.selectors import season_current, sphere_list


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"season": season_current()})


def rules(request: HttpRequest) -> HttpResponse:
    return render(request, "core/rules.html", {"season": season_current(), "spheres": sphere_list()})
