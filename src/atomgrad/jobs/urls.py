from django.urls import path

from atomgrad.jobs import views

app_name = "jobs"

urlpatterns = [
    path("jobs/start/", views.job_start_view, name="start"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="detail"),
    path("jobs/<uuid:job_id>/download/", views.job_download, name="download"),
    path("jobs/<uuid:job_id>/restart/", views.job_restart, name="restart"),
]
