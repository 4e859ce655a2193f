from django.urls import path

from tremplin.catalog import upload, views

app_name = "catalog"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<int:pk>/", views.training_detail, name="training_detail"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<int:pk>/modifier/", views.session_edit, name="session_edit"),
    path("import/", upload.lheo_upload, name="lheo_upload"),
]
