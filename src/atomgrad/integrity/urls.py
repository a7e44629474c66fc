from django.urls import path

from atomgrad.integrity import views

app_name = "integrity"

urlpatterns = [
    path("committee/signals/<int:year>/", views.overview, name="overview"),
]
