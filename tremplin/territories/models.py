from django.db import models

from tremplin.territories.enums import CommuneKind, SizeClass


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Department(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departments", verbose_name="région"
    )

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    insee_code = models.CharField("code INSEE", max_length=5, primary_key=True)
    kind = models.CharField("type", max_length=3, choices=CommuneKind.choices, default=CommuneKind.COMMUNE)
    name = models.CharField("nom", max_length=100)
    # Name folded for search: lower case, no accents, punctuation as spaces, "saint" spelled out.
    search_name = models.CharField(max_length=100, db_index=True, editable=False)
    population = models.PositiveIntegerField("population municipale", default=0)
    latitude = models.FloatField("latitude", null=True)
    longitude = models.FloatField("longitude", null=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="communes", verbose_name="département"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="arrondissements",
        verbose_name="commune (pour un arrondissement municipal)",
    )
    postal_codes = models.CharField(
        "codes postaux", max_length=200, blank=True, help_text="séparés par des espaces"
    )
    size_class = models.CharField("taille", max_length=12, choices=SizeClass.choices, default=SizeClass.RURAL)
    # Touched by every write, including the import's bulk updates: with the row count it is the cheap
    # fingerprint that tells each process when its in-memory lookup index is stale (see lookup.py).
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.department_id})"

    @property
    def postal_code_list(self) -> list[str]:
        return self.postal_codes.split()
