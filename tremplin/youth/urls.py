app_name = "youth"
urlpatterns = []
