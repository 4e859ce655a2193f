"""Which referrals a dashboard counts (its scope) and who may look at which scope.

- steering: any scope (France, région, département, mission locale, Cnam regional centre or site);
  a regional body starts on its région. Small counts are masked on every page they see.
- ML manager: their mission locale only.
- Cnam regional administrator: their regional centre (with its sites) or one of its sites.
Anyone else has no dashboard. A scope outside what the member may see answers 404.
"""

from dataclasses import dataclass

from django.db.models import Q

from tremplin.accounts.enums import Role
from tremplin.network.enums import CnamSiteKind
from tremplin.network.models import CnamSite, MissionLocale, SteeringBody
from tremplin.referrals.models import Referral
from tremplin.territories.models import Department, Region

FRANCE, REGION, DEPARTMENT, MISSION_LOCALE, CENTRE, SITE = (
    "france",
    "region",
    "department",
    "mission_locale",
    "centre",
    "site",
)
# Pre-aggregated by refresh_stats: the scopes with too many referrals to count them at request time.
STORED_KINDS = {FRANCE, REGION, CENTRE}
KIND_LABELS = {
    FRANCE: "France",
    REGION: "Régions",
    DEPARTMENT: "Départements",
    MISSION_LOCALE: "Missions locales",
    CENTRE: "Centres régionaux du Cnam",
    SITE: "Centres Cnam",
}
DASHBOARD_ROLES = {Role.STEERING, Role.ML_MANAGER, Role.CNAM_REGIONAL}


@dataclass(frozen=True)
class Scope:
    kind: str
    code: str  # région or département code, organisation id; "" for France
    label: str

    @property
    def key(self) -> str:
        return self.kind if self.kind == FRANCE else f"{self.kind}:{self.code}"

    @property
    def is_stored(self) -> bool:
        return self.kind in STORED_KINDS

    def filter(self):
        """The ``Q`` selecting this scope's referrals."""
        if self.kind == FRANCE:
            return Q()
        if self.kind == REGION:
            return Q(young_person__home_commune__department__region_id=self.code)
        if self.kind == DEPARTMENT:
            return Q(young_person__home_commune__department_id=self.code)
        if self.kind == MISSION_LOCALE:
            return Q(mission_locale_id=int(self.code))
        if self.kind == CENTRE:
            return Q(site_id=int(self.code)) | Q(site__parent_id=int(self.code))
        return Q(site_id=int(self.code))

    def referrals(self):
        return Referral.objects.filter(self.filter())


FRANCE_SCOPE = Scope(FRANCE, "", "France entière")


def _region(code: str) -> Scope | None:
    name = Region.objects.filter(code=code).values_list("name", flat=True).first()
    return Scope(REGION, code, f"Région {name}") if name else None


def _department(code: str) -> Scope | None:
    name = Department.objects.filter(code=code).values_list("name", flat=True).first()
    return Scope(DEPARTMENT, code, f"{name} ({code})") if name else None


def _mission_locale(pk: int) -> Scope | None:
    name = MissionLocale.objects.filter(pk=pk).values_list("name", flat=True).first()
    return Scope(MISSION_LOCALE, str(pk), name) if name else None


def _centre(pk: int) -> Scope | None:
    name = (
        CnamSite.objects.filter(pk=pk, site_kind=CnamSiteKind.REGIONAL_CENTRE)
        .values_list("name", flat=True)
        .first()
    )
    return Scope(CENTRE, str(pk), f"{name} et ses centres") if name else None


def _site(pk: int) -> Scope | None:
    name = CnamSite.objects.filter(pk=pk).values_list("name", flat=True).first()
    return Scope(SITE, str(pk), name) if name else None


def scope_from_key(key: str) -> Scope | None:
    """``"region:76"`` → the Scope, or None when nothing has that key."""
    kind, _, code = key.partition(":")
    if kind == FRANCE and not code:
        return FRANCE_SCOPE
    if kind in (MISSION_LOCALE, CENTRE, SITE):
        if not code.isdigit():
            return None
        return {MISSION_LOCALE: _mission_locale, CENTRE: _centre, SITE: _site}[kind](int(code))
    if kind == REGION:
        return _region(code)
    if kind == DEPARTMENT:
        return _department(code)
    return None


@dataclass
class Access:
    """What a member may see: the scopes offered, the one shown first, whether counts are masked."""

    role: str
    default: Scope
    mask: bool
    any_scope: bool  # steering: every scope; the others: only ``choices``
    choices: list[Scope]

    def allows(self, scope: Scope) -> bool:
        return self.any_scope or scope.key in {s.key for s in self.choices}


def access_for(membership) -> Access | None:
    if membership is None or membership.role not in DASHBOARD_ROLES:
        return None
    organisation = membership.organisation
    if membership.role == Role.STEERING:
        body = SteeringBody.objects.filter(pk=organisation.pk).select_related("region").first()
        default = FRANCE_SCOPE
        if body is not None and body.region_id:
            default = Scope(REGION, body.region_id, f"Région {body.region.name}")
        return Access(membership.role, default, mask=True, any_scope=True, choices=[])
    if membership.role == Role.ML_MANAGER:
        scope = Scope(MISSION_LOCALE, str(organisation.pk), organisation.name)
        return Access(membership.role, scope, mask=False, any_scope=False, choices=[scope])
    centre = Scope(CENTRE, str(organisation.pk), f"{organisation.name} et ses centres")
    sites = [
        Scope(SITE, str(pk), name)
        for pk, name in CnamSite.objects.filter(parent_id=organisation.pk)
        .order_by("name")
        .values_list("pk", "name")
    ]
    return Access(membership.role, centre, mask=False, any_scope=False, choices=[centre, *sites])


def steering_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every scope, grouped for a <select> with <optgroup>s: five queries."""
    centres = CnamSite.objects.filter(site_kind=CnamSiteKind.REGIONAL_CENTRE).order_by("name")
    return [
        (KIND_LABELS[FRANCE], [(FRANCE_SCOPE.key, FRANCE_SCOPE.label)]),
        (
            KIND_LABELS[REGION],
            [(f"{REGION}:{c}", n) for c, n in Region.objects.order_by("name").values_list("code", "name")],
        ),
        (
            KIND_LABELS[DEPARTMENT],
            [
                (f"{DEPARTMENT}:{c}", f"{c} – {n}")
                for c, n in Department.objects.order_by("code").values_list("code", "name")
            ],
        ),
        (
            KIND_LABELS[MISSION_LOCALE],
            [
                (f"{MISSION_LOCALE}:{pk}", n)
                for pk, n in MissionLocale.objects.order_by("name").values_list("pk", "name")
            ],
        ),
        (KIND_LABELS[CENTRE], [(f"{CENTRE}:{pk}", n) for pk, n in centres.values_list("pk", "name")]),
        (
            KIND_LABELS[SITE],
            [
                (f"{SITE}:{pk}", n)
                for pk, n in CnamSite.objects.filter(site_kind=CnamSiteKind.SITE)
                .order_by("name")
                .values_list("pk", "name")
            ],
        ),
    ]
