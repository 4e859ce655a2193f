"""The young person accompanied by a mission locale: the minimum of personal data DESIGN.md §5 allows.

A record belongs to one mission locale, which alone sees it. Another mission locale may learn that a
person is "already known elsewhere" (duplicate detection at creation), never anything else.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tremplin.accounts.enums import ML_ROLES
from tremplin.catalog.enums import QualificationLevel
from tremplin.catalog.models import RomeFiche
from tremplin.matching.ranking import Profile
from tremplin.network.models import MissionLocale
from tremplin.territories.models import Commune
from tremplin.youth.enums import AccessAction, AnonymisationReason, Programme
from tremplin.youth.names import name_key, similar_names

DEFAULT_MAX_TRAVEL_KM = 30
# What an anonymised record shows in place of the names (pages and referral lists still list it).
ANONYMISED_FIRST_NAME = "Jeune"
ANONYMISED_LAST_NAME = "anonymisé·e"


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Age in whole years on ``day`` (someone born on 29 February turns a year older on 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class YoungPersonQuerySet(models.QuerySet):
    def visible_to(self, membership):
        """The records the member may open: those of their mission locale, for counsellors and
        managers. Cnam staff and steering see no person (they will see referrals, not records)."""
        if membership is None or membership.role not in ML_ROLES:
            return self.none()
        # An anonymised record is no one's any more: it leaves the lists, the pages and the API.
        return self.not_anonymised().filter(mission_locale_id=membership.organisation_id)

    def not_anonymised(self):
        return self.filter(anonymised_at__isnull=True)

    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)

    def search(self, text: str):
        """Accent- and case-insensitive: every word typed must appear in the first or last name."""
        qs = self
        for word in name_key(text, "").split():
            qs = qs.filter(search_name__contains=word)
        return qs

    def possible_duplicates_of(
        self, *, first_name: str, last_name: str, birth_date: datetime.date
    ) -> list[YoungPerson]:
        """Records with the same birth date and similar names, across every mission locale.

        The birth date narrows to a few hundred rows nationally at most; the names are then compared
        in Python, which is where accents, swaps and typing errors are easy to handle."""
        candidates = (
            self.not_anonymised()
            .filter(birth_date=birth_date)
            .only("pk", "first_name", "last_name", "birth_date", "mission_locale_id", "archived_at")
        )
        return [
            person
            for person in candidates.order_by("pk")
            if similar_names(first_name, last_name, person.first_name, person.last_name)
        ]


class YoungPerson(models.Model):
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    birth_date = models.DateField("date de naissance", db_index=True)
    email = models.EmailField("adresse électronique", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    home_commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="+", verbose_name="commune de résidence"
    )
    education_level = models.PositiveSmallIntegerField(
        "niveau de diplôme", choices=QualificationLevel.choices, default=QualificationLevel.INFRA_3
    )
    has_bac = models.BooleanField("baccalauréat obtenu", default=False)
    interests = models.ManyToManyField(
        RomeFiche, blank=True, related_name="+", verbose_name="centres d'intérêt (fiches ROME)"
    )
    interests_text = models.TextField("centres d'intérêt (texte libre)", blank=True)
    max_travel_km = models.PositiveSmallIntegerField(
        "distance maximale de déplacement (km)", default=DEFAULT_MAX_TRAVEL_KM
    )
    distance_learning_ok = models.BooleanField("formation à distance possible", default=False)
    preferred_start = models.DateField("début souhaité", null=True, blank=True)
    programme = models.CharField(
        "dispositif", max_length=10, choices=Programme.choices, default=Programme.NONE
    )
    # Not health data in itself, but close to it: kept only when the person agreed to it (DESIGN §5).
    accessibility_consent = models.BooleanField("accord pour noter des besoins d'aménagement", default=False)
    accessibility_note = models.TextField("besoins d'aménagement", blank=True)

    mission_locale = models.ForeignKey(
        MissionLocale, on_delete=models.PROTECT, related_name="young_people", verbose_name="mission locale"
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_young_people",
        verbose_name="conseiller·ère référent·e",
    )

    # Consent to share the record with the Cnam for a referral: who recorded it, when, for what.
    consent_given_at = models.DateTimeField("consentement recueilli le", null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="consentement enregistré par",
    )
    consent_purpose = models.CharField("finalité du consentement", max_length=300, blank=True)

    archived_at = models.DateTimeField("archivé le", null=True, blank=True)
    # Set once, by tremplin.youth.anonymisation: the personal data are gone, the statistics remain.
    anonymised_at = models.DateTimeField("anonymisé le", null=True, blank=True, editable=False)
    anonymisation_reason = models.CharField(
        "motif de l'anonymisation",
        max_length=20,
        choices=AnonymisationReason.choices,
        blank=True,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créé par",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)
    # Folded "first last" for the accent-insensitive name search; kept by save().
    search_name = models.CharField(max_length=301, editable=False, blank=True)

    objects = YoungPersonQuerySet.as_manager()

    class Meta:
        verbose_name = "jeune"
        verbose_name_plural = "jeunes"
        ordering = ["last_name", "first_name", "pk"]
        indexes = [models.Index(fields=["mission_locale", "archived_at"], name="youth_ml_archived")]
        constraints = [
            models.CheckConstraint(
                condition=Q(accessibility_consent=True) | Q(accessibility_note=""),
                name="youth_accessibility_note_needs_consent",
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.search_name = name_key(self.first_name, self.last_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def has_consent(self) -> bool:
        return self.consent_given_at is not None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def age(self, today: datetime.date | None = None) -> int:
        return age_on(self.birth_date, today or timezone.localdate())

    def matching_profile(self, today: datetime.date | None = None) -> Profile:
        """The profile the ranking reads. Raises ``ValueError`` when the home commune has no
        coordinates (the page then says so rather than ranking from nowhere)."""
        commune = self.home_commune
        if commune.latitude is None or commune.longitude is None:
            raise ValueError(f"commune {commune.pk} has no coordinates")
        return Profile(
            latitude=commune.latitude,
            longitude=commune.longitude,
            level=self.education_level,
            has_bac=self.has_bac,
            rome_codes=tuple(sorted(fiche.code for fiche in self.interests.all())),
            text=self.interests_text,
            radius_km=float(self.max_travel_km),
            distance_learning=self.distance_learning_ok,
            preferred_start=self.preferred_start,
            age=self.age(today),
        )


class YoungPersonAccess(models.Model):
    """One read of a record by a user (DESIGN §5: every read is logged)."""

    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.CASCADE, related_name="accesses", verbose_name="jeune"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="utilisateur·rice",
    )
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="au titre de",
    )
    action = models.CharField("action", max_length=10, choices=AccessAction.choices)
    accessed_at = models.DateTimeField("le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "consultation d'une fiche jeune"
        verbose_name_plural = "consultations des fiches jeunes"
        ordering = ["-accessed_at", "-pk"]
        indexes = [
            models.Index(fields=["young_person", "-accessed_at"], name="youth_access_person_date"),
        ]
