from django.urls import path

from atomgrad.voting import views, views_auth, views_privacy

app_name = "voting"

urlpatterns = [
    # «Войти и голосовать»: phone → code → city and consent
    path("vote/login/", views_auth.login, name="login"),
    path("vote/login/code/", views_auth.login_code, name="login_code"),
    path("vote/login/city/", views_auth.login_city, name="login_city"),
    path("vote/logout/", views_auth.logout, name="logout"),
    # casting, «Мои голоса», receipts (voting.views)
    path("vote/candidates/<int:candidate_id>/", views.vote_confirm, name="confirm"),
    path("vote/receipt/<str:code>/", views.vote_receipt, name="receipt"),
    path("vote/my/", views.my_votes, name="my_votes"),
    path("vote/my-data/", views_privacy.my_data, name="my_data"),
    path("vote/my-data/erase/", views_privacy.my_data_erase, name="my_data_erase"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
]
