from django.urls import path

from tremplin.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("recues/", views.referral_inbox, name="inbox"),
    path("nouvelle/", views.referral_create, name="create"),
    path("courriels/", views.preferences, name="preferences"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/actions/<slug:action>/", views.referral_action, name="action"),
    path("<int:pk>/message/", views.referral_message, name="message"),
    path("<int:pk>/lien-jeune/", views.referral_send_link, name="send_link"),
    path("<int:pk>/reorienter/", views.referral_redirect, name="redirect"),
    path("reponse/<str:token>/", views.young_person_link, name="young_person_link"),
]
