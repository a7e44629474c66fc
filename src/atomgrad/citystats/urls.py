from django.urls import path

from atomgrad.citystats import views

app_name = "citystats"

urlpatterns = [
    path("stats/", views.comparison, name="comparison"),
    path("stats/method/", views.method_page, name="method"),
    path("stats/workspace/", views.workspace, name="workspace"),
    path("stats/data/<int:year>/<str:name>.<str:extension>", views.open_data, name="open_data"),
    path("stats/<slug:slug>/", views.city_dashboard, name="city"),
]
