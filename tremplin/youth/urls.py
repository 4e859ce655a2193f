from django.urls import path

from tremplin.youth import privacy_views, views

app_name = "youth"
urlpatterns = [
    path("", views.young_person_list, name="list"),
    path("nouveau/", views.young_person_create, name="create"),
    path("rome/", views.rome_search, name="rome_search"),
    path("<int:pk>/", views.young_person_detail, name="detail"),
    path("<int:pk>/modifier/", views.young_person_edit, name="edit"),
    path("<int:pk>/archiver/", views.young_person_archive, name="archive"),
    path("<int:pk>/reactiver/", views.young_person_restore, name="restore"),
    path("consultations/", privacy_views.access_log, name="access_log"),
    path("<int:pk>/consultations/", privacy_views.person_access_log, name="person_access_log"),
    path("<int:pk>/export/", privacy_views.person_export, name="export"),
    path("<int:pk>/effacer/", privacy_views.person_erase, name="erase"),
]
