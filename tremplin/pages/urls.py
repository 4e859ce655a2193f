from django.urls import path

from tremplin.pages import views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal, name="legal"),
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    path("healthz", views.healthz, name="healthz"),
]
