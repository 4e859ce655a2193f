from django.db import models


class SizeClass(models.TextChoices):
    RURAL = "rural", "Commune rurale (moins de 2 000 hab.)"
    SMALL_TOWN = "small_town", "Petite ville (2 000 à 19 999 hab.)"
    MEDIUM_TOWN = "medium_town", "Ville moyenne (20 000 à 99 999 hab.)"
    CITY = "city", "Grande ville (100 000 hab. et plus)"

    @classmethod
    def for_population(cls, population: int) -> "SizeClass":
        if population < 2_000:
            return cls.RURAL
        if population < 20_000:
            return cls.SMALL_TOWN
        if population < 100_000:
            return cls.MEDIUM_TOWN
        return cls.CITY


class CommuneKind(models.TextChoices):
    COMMUNE = "COM", "Commune"
    MUNICIPAL_ARRONDISSEMENT = "ARM", "Arrondissement municipal"
