from django.urls import path

from atomgrad.citystats import views, views_development

app_name = "citystats"

urlpatterns = [
    path("stats/", views.comparison, name="comparison"),
    path("stats/method/", views.method_page, name="method"),
    path("stats/workspace/", views.workspace, name="workspace"),
    path("stats/data/<int:year>/<str:name>.<str:extension>", views.open_data, name="open_data"),
    # what the cities do: master plans, Минстрой's contest, the Union's events (views_development.py)
    path("stats/summary/", views_development.summary_page, name="summary"),
    path("stats/projects/", views_development.project_list, name="projects"),
    path("stats/contest/", views_development.contest_list, name="contest"),
    path("stats/events/", views_development.event_list, name="events"),
    path("stats/data/development/<str:name>.<str:extension>", views_development.development_data,
         name="development_data"),
    path("stats/workspace/development/", views_development.workspace, name="dev_workspace"),
    path("stats/workspace/projects/<int:project_id>/", views_development.project_edit, name="project_edit"),
    path("stats/workspace/milestones/<int:milestone_id>/", views_development.milestone_edit, name="milestone_edit"),
    path("stats/workspace/contest/", views_development.contest_edit, name="contest_edit"),
    path("stats/workspace/events/<int:event_id>/attendance/", views_development.attendance_edit,
         name="attendance_edit"),
    path("stats/<slug:slug>/", views.city_dashboard, name="city"),
    path("stats/<slug:slug>/development/", views_development.city_development, name="development"),
    path("stats/<slug:slug>/calendar/", views_development.city_calendar_page, name="calendar"),
    path("stats/<slug:slug>/calendar.ics", views_development.city_calendar_ics, name="calendar_ics"),
]
