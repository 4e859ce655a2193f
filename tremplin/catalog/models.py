"""The training offer as LHEO describes it (formation → action → session), the referentials it points
to (ROME, RNCP/RS certifications, Formacode, NSF) and the catalogue's change log.

Lists of codes (ROME, Formacode, NSF, funders, publics) are stored as space-separated text: they
come from files that may cite codes our referentials do not hold, they are read as a whole, and the
matching index reads them for every open session in one query. Filters by ROME domain use a prefix
match on that text (see ``TrainingQuerySet.in_rome_domain``).
"""

import datetime

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tremplin.accounts.enums import Role
from tremplin.catalog.enums import (
    CertificationRegistry,
    QualificationLevel,
    RegistrationState,
    ScheduleType,
    TeachingMode,
)
from tremplin.network.models import CnamSite
from tremplin.territories.models import Commune

# ---------------------------------------------------------------------------------------------------
# Referentials


class RomeGrandDomain(models.Model):
    code = models.CharField("code", max_length=1, primary_key=True)
    label = models.CharField("libellé", max_length=200)

    class Meta:
        verbose_name = "grand domaine ROME"
        verbose_name_plural = "grands domaines ROME"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.label}"


class RomeDomain(models.Model):
    code = models.CharField("code", max_length=3, primary_key=True)
    label = models.CharField("libellé", max_length=200)
    grand_domain = models.ForeignKey(
        RomeGrandDomain, on_delete=models.CASCADE, related_name="domains", verbose_name="grand domaine"
    )

    class Meta:
        verbose_name = "domaine professionnel ROME"
        verbose_name_plural = "domaines professionnels ROME"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.label}"


class RomeFiche(models.Model):
    code = models.CharField("code ROME", max_length=5, primary_key=True)
    label = models.CharField("libellé", max_length=200)
    domain = models.ForeignKey(
        RomeDomain, on_delete=models.CASCADE, related_name="fiches", verbose_name="domaine"
    )

    class Meta:
        verbose_name = "fiche métier ROME"
        verbose_name_plural = "fiches métier ROME"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.label}"


class RomeAppellation(models.Model):
    code = models.CharField("code OGR", max_length=10, primary_key=True)
    label = models.CharField("libellé", max_length=250)
    fiche = models.ForeignKey(
        RomeFiche, on_delete=models.CASCADE, related_name="appellations", verbose_name="fiche"
    )

    class Meta:
        verbose_name = "appellation ROME"
        ordering = ["label"]

    def __str__(self):
        return self.label


class Nsf(models.Model):
    """A speciality of the Nomenclature des spécialités de formation: ``311`` or, finer, ``311p``."""

    code = models.CharField("code NSF", max_length=4, primary_key=True)
    label = models.CharField("libellé", max_length=200)

    class Meta:
        verbose_name = "spécialité NSF"
        verbose_name_plural = "spécialités NSF"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.label}"


class Formacode(models.Model):
    code = models.CharField("Formacode", max_length=5, primary_key=True)
    label = models.CharField("libellé", max_length=200)

    class Meta:
        verbose_name = "Formacode"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.label}"


class Certification(models.Model):
    code = models.CharField("code", max_length=20, unique=True, help_text="RNCP12345 ou RS1234")
    registry = models.CharField("répertoire", max_length=4, choices=CertificationRegistry.choices)
    title = models.CharField("intitulé", max_length=1000)
    level = models.PositiveSmallIntegerField(
        "niveau", choices=QualificationLevel.choices, null=True, blank=True
    )
    certification_type = models.CharField("type", max_length=120, blank=True)
    is_active = models.BooleanField("active", default=True)
    valid_until = models.DateField("fin de validité de l'enregistrement", null=True, blank=True)
    rome_codes = models.CharField(
        "codes ROME", max_length=400, blank=True, help_text="séparés par des espaces"
    )
    nsf_codes = models.CharField("codes NSF", max_length=200, blank=True, help_text="séparés par des espaces")
    certifiers = models.JSONField("certificateurs", default=list, blank=True)
    is_cnam = models.BooleanField("délivrée par le Cnam", default=False)

    class Meta:
        verbose_name = "certification"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.title}"

    @property
    def rome_code_list(self) -> list[str]:
        return self.rome_codes.split()


class SkillBlock(models.Model):
    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="skill_blocks", verbose_name="certification"
    )
    code = models.CharField("code", max_length=40, unique=True)
    title = models.CharField("intitulé", max_length=1000)

    class Meta:
        verbose_name = "bloc de compétences"
        verbose_name_plural = "blocs de compétences"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.title}"


# ---------------------------------------------------------------------------------------------------
# Offer


class TrainingProvider(models.Model):
    """An organisme de formation. The Cnam and each of its regional associations have their own
    SIRET: which providers are the Cnam is data (``is_cnam``), set by the import heuristics or by staff."""

    siret = models.CharField("SIRET", max_length=14, unique=True)
    name = models.CharField("nom", max_length=250)
    legal_name = models.CharField("raison sociale", max_length=250, blank=True)
    activity_number = models.CharField("numéro de déclaration d'activité", max_length=11, blank=True)
    address = models.TextField("adresse", blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("ville", max_length=100, blank=True)
    email = models.EmailField("courriel", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    website = models.CharField("site web", max_length=400, blank=True)
    is_cnam = models.BooleanField(
        "entité du Cnam",
        default=False,
        help_text="Seules les sessions du Cnam peuvent recevoir des orientations.",
    )
    is_demo = models.BooleanField("donnée de démonstration", default=False)
    updated_at = models.DateTimeField("mise à jour", default=timezone.now)

    class Meta:
        verbose_name = "organisme de formation"
        verbose_name_plural = "organismes de formation"
        ordering = ["name"]

    def __str__(self):
        return self.name


class TrainingQuerySet(models.QuerySet):
    def cnam(self):
        return self.filter(provider__is_cnam=True)

    def in_rome_domain(self, code: str):
        """Trainings citing a ROME code that starts with ``code``: a fiche (5 characters), a
        domaine (3) or a grand domaine (1)."""
        code = code.strip().upper()
        return self.filter(Q(rome_codes__startswith=code) | Q(rome_codes__contains=f" {code}"))


class Training(models.Model):
    external_id = models.CharField(
        "identifiant",
        max_length=120,
        unique=True,
        help_text="numéro LHEO de la formation, ou empreinte stable",
    )
    provider = models.ForeignKey(
        TrainingProvider, on_delete=models.PROTECT, related_name="trainings", verbose_name="organisme"
    )
    title = models.CharField("intitulé", max_length=255)
    objectives = models.TextField("objectifs", blank=True)
    expected_results = models.TextField("résultats attendus", blank=True)
    content = models.TextField("contenu", blank=True)
    is_certifying = models.BooleanField("certifiante", default=False)
    certification = models.ForeignKey(
        Certification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainings",
        verbose_name="certification",
    )
    certification_codes = models.CharField(
        "codes des certifications", max_length=120, blank=True, help_text="RNCP/RS, séparés par des espaces"
    )
    formacode_codes = models.CharField("Formacodes", max_length=60, blank=True)
    nsf_codes = models.CharField("codes NSF", max_length=30, blank=True)
    rome_codes = models.CharField("codes ROME", max_length=200, blank=True)
    entry_level = models.PositiveSmallIntegerField(
        "niveau d'entrée", choices=QualificationLevel.choices, null=True, blank=True, help_text="vide : aucun"
    )
    entry_level_required = models.BooleanField("niveau d'entrée obligatoire", default=False)
    min_age_without_level = models.PositiveSmallIntegerField(
        "âge minimal pour entrer sans le niveau requis",
        null=True,
        blank=True,
        help_text="validation des acquis pour l'accès (VAPP), par exemple 20 ans ; vide : pas de telle voie",
    )
    exit_level = models.PositiveSmallIntegerField(
        "niveau de sortie", choices=QualificationLevel.choices, null=True, blank=True
    )
    prerequisites = models.TextField("prérequis et conditions d'accès", blank=True)
    course_type = models.CharField("parcours (code LHEO)", max_length=1, default="1")
    general_objective = models.CharField("objectif général (code LHEO)", max_length=2, blank=True)
    url = models.CharField("page web", max_length=400, blank=True)
    contact_name = models.CharField("contact", max_length=100, blank=True)
    contact_phone = models.CharField("téléphone du contact", max_length=25, blank=True)
    contact_email = models.CharField("courriel du contact", max_length=160, blank=True)
    # Folded words of the title, certification and codes, for accent-insensitive search everywhere.
    search_text = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField("mise à jour", default=timezone.now)
    last_import = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = "formation"
        ordering = ["title", "pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Derived column, kept in step here for edits through the ORM (admin, demo); bulk imports
        # compute it themselves with the same function.
        from tremplin.catalog.services import training_search_text

        self.search_text = training_search_text(
            title=self.title,
            certification_codes=self.certification_codes,
            rome_codes=self.rome_codes,
            extra=self.objectives,
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def target_level(self) -> int | None:
        """The level of the diploma aimed at: the file's exit level, else the certification's."""
        if self.exit_level:
            return self.exit_level
        return self.certification.level if self.certification_id and self.certification else None


class TrainingActionQuerySet(models.QuerySet):
    def in_region(self, region_code: str):
        return self.filter(
            Q(commune__department__region_id=region_code)
            | Q(cnam_site__commune__department__region_id=region_code)
        )


class TrainingAction(models.Model):
    external_id = models.CharField("identifiant", max_length=120, unique=True)
    training = models.ForeignKey(
        Training, on_delete=models.CASCADE, related_name="actions", verbose_name="formation"
    )
    teaching_mode = models.CharField(
        "modalité d'enseignement", max_length=10, choices=TeachingMode.choices, default=TeachingMode.ON_SITE
    )
    schedule = models.CharField(
        "horaires", max_length=10, choices=ScheduleType.choices, default=ScheduleType.DAY
    )
    rhythm = models.TextField("rythme", blank=True)
    public_codes = models.CharField("publics visés (Formacode)", max_length=60, blank=True)
    public_info = models.CharField("public visé", max_length=250, blank=True)
    alternance_terms = models.TextField("modalités de l'alternance", blank=True)
    fees_covered = models.BooleanField("prise en charge des frais possible", default=False)
    place_name = models.CharField("lieu", max_length=255, blank=True)
    address = models.TextField("adresse", blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("ville", max_length=100, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="commune"
    )
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    cnam_site = models.ForeignKey(
        CnamSite,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_actions",
        verbose_name="centre Cnam",
    )
    url = models.CharField("page web", max_length=400, blank=True)
    hours_total = models.PositiveIntegerField("nombre d'heures", null=True, blank=True)
    hours_centre = models.PositiveIntegerField("heures en centre", null=True, blank=True)
    hours_company = models.PositiveIntegerField("heures en entreprise", null=True, blank=True)
    duration_text = models.CharField("durée indicative", max_length=150, blank=True)
    price = models.DecimalField("prix total TTC (€)", max_digits=10, decimal_places=2, null=True, blank=True)
    hourly_price = models.DecimalField(
        "prix horaire TTC (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    funders = models.CharField("financeurs (codes LHEO)", max_length=100, blank=True)
    registration_info = models.TextField("modalités de recrutement", blank=True)
    updated_at = models.DateTimeField("mise à jour", default=timezone.now)
    last_import = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    objects = TrainingActionQuerySet.as_manager()

    class Meta:
        verbose_name = "action de formation"
        verbose_name_plural = "actions de formation"
        ordering = ["training", "pk"]

    def __str__(self):
        return f"{self.training} — {self.city or self.get_teaching_mode_display()}"

    @property
    def funder_codes(self) -> list[str]:
        return self.funders.split()


class TrainingSessionQuerySet(models.QuerySet):
    def open(self, today: datetime.date | None = None):
        """Sessions one can still join: registration open, not ended, and not started yet unless
        entry is permanent. Unknown dates do not exclude a session."""
        today = today or timezone.localdate()
        return self.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today),
            Q(permanent_entry=True) | Q(start_date__isnull=True) | Q(start_date__gte=today),
            registration_state=RegistrationState.OPEN,
        )

    def receivable(self, today: datetime.date | None = None):
        """Open sessions that can receive a referral: those of an action attached to a Cnam site."""
        return self.open(today).filter(action__cnam_site__isnull=False)

    def not_ended(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))

    def editable_by(self, membership):
        """Sessions the member keeps up to date: those of their Cnam site, and for a regional
        administrator those of every site of the region. Anyone else: none."""
        if membership is None:
            return self.none()
        organisation = membership.organisation
        if membership.role == Role.CNAM_REFERENT:
            return self.filter(action__cnam_site_id=organisation.pk)
        if membership.role == Role.CNAM_REGIONAL:
            return self.filter(
                Q(action__cnam_site_id=organisation.pk) | Q(action__cnam_site__parent_id=organisation.pk)
            )
        return self.none()


class TrainingSession(models.Model):
    external_id = models.CharField("identifiant", max_length=120, unique=True)
    action = models.ForeignKey(
        TrainingAction, on_delete=models.CASCADE, related_name="sessions", verbose_name="action"
    )
    start_date = models.DateField("début", null=True, blank=True)
    end_date = models.DateField("fin", null=True, blank=True)
    permanent_entry = models.BooleanField("entrées et sorties permanentes", default=False)
    registration_state = models.CharField(
        "état des inscriptions",
        max_length=10,
        choices=RegistrationState.choices,
        default=RegistrationState.OPEN,
    )
    places_available = models.PositiveIntegerField(
        "places disponibles", null=True, blank=True, help_text="vide : inconnu"
    )
    registration_address = models.TextField("adresse d'inscription", blank=True)
    registration_postal_code = models.CharField("code postal d'inscription", max_length=5, blank=True)
    registration_city = models.CharField("ville d'inscription", max_length=100, blank=True)
    # Not indexed: readers of "did the catalogue change" use CatalogVersion, and every imported
    # session would pay for the index.
    updated_at = models.DateTimeField("mise à jour", default=timezone.now)
    last_import = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "session"
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="session_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.action.training} ({self.start_date or 'date à préciser'})"


class SessionChange(models.Model):
    """One field changed by a person on a session: the history shown to Cnam staff."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    changed_at = models.DateTimeField("le", default=timezone.now)
    field = models.CharField("champ", max_length=40)
    old_value = models.CharField("ancienne valeur", max_length=200, blank=True)
    new_value = models.CharField("nouvelle valeur", max_length=200, blank=True)

    class Meta:
        verbose_name = "modification de session"
        verbose_name_plural = "modifications de sessions"
        ordering = ["-changed_at", "-pk"]

    @property
    def field_label(self) -> str:
        try:
            return TrainingSession._meta.get_field(self.field).verbose_name
        except FieldDoesNotExist:
            return self.field


class CatalogImport(models.Model):
    """One import run; its id stamps the rows it read (``last_import``), which tells a duplicate
    identifier in a file from a row of an earlier run without keeping every identifier in memory."""

    source = models.CharField("source", max_length=20)
    file_name = models.CharField("fichier", max_length=500)
    started_at = models.DateTimeField("début", default=timezone.now)
    summary = models.TextField("bilan", blank=True)

    class Meta:
        verbose_name = "import du catalogue"
        verbose_name_plural = "imports du catalogue"
        ordering = ["-started_at"]


class CatalogVersion(models.Model):
    """A single row whose counter moves whenever sessions change (services and imports call
    ``tremplin.catalog.services.catalog_changed``): the matching index compares it in one query."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "version du catalogue"
