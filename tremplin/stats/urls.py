from django.urls import path

from tremplin.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:key>.<str:fmt>", views.export, name="export"),
    path("portee/", views.reach, name="reach"),
    path("portee/export/<slug:key>.<str:fmt>", views.reach_export, name="reach_export"),
]
