from django.urls import path

from tremplin.youth import views

app_name = "youth"
urlpatterns = [
    path("", views.young_person_list, name="list"),
    path("nouveau/", views.young_person_create, name="create"),
    path("rome/", views.rome_search, name="rome_search"),
    path("<int:pk>/", views.young_person_detail, name="detail"),
    path("<int:pk>/modifier/", views.young_person_edit, name="edit"),
    path("<int:pk>/archiver/", views.young_person_archive, name="archive"),
    path("<int:pk>/reactiver/", views.young_person_restore, name="restore"),
]
