from django.urls import path

from atomgrad.award.views import apply, committee, public

app_name = "award"

urlpatterns = [
    # public
    path("cities/", public.city_list, name="city_list"),
    path("cities/<slug:slug>/", public.city_detail, name="city_detail"),
    path("candidates/<int:candidate_id>/", public.candidate_detail, name="candidate_detail"),
    # applying
    path("apply/", apply.apply, name="apply"),
    path("apply/done/", apply.apply_done, name="apply_done"),
    path("apply/edit/<str:token>/", apply.apply_edit, name="apply_edit"),
    path("apply/edit/<str:token>/data.json", apply.apply_data, name="apply_data"),
    path("apply/edit/<str:token>/erase/", apply.apply_erase, name="apply_erase"),
    # committee workspace
    path("committee/", committee.queue, name="committee_queue"),
    path("committee/applications/<int:application_id>/", committee.application_detail, name="committee_application"),
    path("committee/applications/<int:application_id>/decide/", committee.application_decide,
         name="committee_decide"),
    path("committee/applications/<int:application_id>/petition/", committee.application_petition,
         name="committee_petition"),
]
