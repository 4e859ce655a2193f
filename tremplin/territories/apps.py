from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "tremplin.territories"
