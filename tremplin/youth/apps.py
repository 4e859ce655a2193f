from django.apps import AppConfig


class YouthConfig(AppConfig):
    name = "tremplin.youth"
