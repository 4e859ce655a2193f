from django.urls import path

from tremplin.network import views

app_name = "network"
urlpatterns = [
    path("organisations/<str:code>/", views.organisation_detail, name="organisation_detail"),
]
