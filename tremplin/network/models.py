from django.db import models
from django.db.models import Q

from tremplin.network.enums import CnamSiteKind, OrganisationKind, SteeringScope
from tremplin.territories.models import Commune, Department, Region


class OrganisationQuerySet(models.QuerySet):
    def of_user(self, user):
        """The organisations the user is an active member of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__is_active=True).distinct()

    def visible_to(self, user):
        """Organisations whose page the user may open: their own, and the sites of the regional
        centres where they are an administrator."""
        from tremplin.accounts.enums import Role

        if not user.is_authenticated:
            return self.none()
        regional_centres = CnamSite.objects.filter(
            memberships__user=user, memberships__is_active=True, memberships__role=Role.CNAM_REGIONAL
        ).values("pk")
        return self.filter(
            Q(memberships__user=user, memberships__is_active=True) | Q(cnamsite__parent__in=regional_centres)
        ).distinct()


class Organisation(models.Model):
    """Anything a user can be a member of: a mission locale, a Cnam site or regional centre, a steering body.

    Codes share one namespace so that operators can name any organisation by its code alone.
    """

    code = models.CharField("code", max_length=30, unique=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=30, choices=OrganisationKind.choices, editable=False)
    email = models.EmailField("courriel", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    is_demo = models.BooleanField("donnée de démonstration", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def specific(self):
        """The MissionLocale, CnamSite or SteeringBody behind this row."""
        for attr in ("missionlocale", "cnamsite", "steeringbody"):
            try:
                return getattr(self, attr)
            except models.ObjectDoesNotExist:
                continue
        return self


class MissionLocale(Organisation):
    official_name = models.CharField("nom officiel", max_length=200, blank=True)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="commune du siège",
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="département",
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="région"
    )
    address = models.CharField("adresse", max_length=300, blank=True)
    antennas = models.ManyToManyField(Commune, blank=True, related_name="+", verbose_name="antennes")

    class Meta:
        verbose_name = "mission locale"
        verbose_name_plural = "missions locales"

    def save(self, *args, **kwargs):
        self.kind = OrganisationKind.MISSION_LOCALE
        super().save(*args, **kwargs)


class CnamSite(Organisation):
    site_kind = models.CharField("type de centre", max_length=20, choices=CnamSiteKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name="centre régional",
        limit_choices_to={"site_kind": CnamSiteKind.REGIONAL_CENTRE},
    )
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+", verbose_name="commune")
    address = models.CharField("adresse", max_length=300, blank=True)
    au_coeur_des_territoires = models.BooleanField("« Au cœur des territoires »", default=False)

    class Meta:
        verbose_name = "centre Cnam"
        verbose_name_plural = "centres Cnam"

    def save(self, *args, **kwargs):
        self.kind = (
            OrganisationKind.CNAM_REGIONAL_CENTRE
            if self.site_kind == CnamSiteKind.REGIONAL_CENTRE
            else OrganisationKind.CNAM_SITE
        )
        super().save(*args, **kwargs)

    @property
    def regional_centre(self):
        return self if self.site_kind == CnamSiteKind.REGIONAL_CENTRE else self.parent


class SteeringBody(Organisation):
    scope = models.CharField("périmètre", max_length=10, choices=SteeringScope.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="région"
    )

    class Meta:
        verbose_name = "instance de pilotage"
        verbose_name_plural = "instances de pilotage"

    def save(self, *args, **kwargs):
        self.kind = OrganisationKind.STEERING_BODY
        super().save(*args, **kwargs)
