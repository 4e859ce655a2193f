"""Factories shared by every test module. Apps add theirs in tests/<app>/factories.py."""

import factory

from tremplin.accounts.enums import Role
from tremplin.accounts.models import Membership, User
from tremplin.network.enums import CnamSiteKind, SteeringScope
from tremplin.network.models import CnamSite, MissionLocale, SteeringBody
from tremplin.territories.enums import SizeClass
from tremplin.territories.models import Commune, Department, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "76"
    name = "Occitanie"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = "12"
    name = "Aveyron"
    region = factory.SubFactory(RegionFactory)


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    # "Z" + 4 digits: always 5 characters, and never the code of a real commune.
    insee_code = factory.Sequence(lambda n: f"Z{n % 10000:04d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    search_name = factory.LazyAttribute(lambda o: o.name.lower())
    population = 1500
    latitude = 44.35
    longitude = 2.57
    department = factory.SubFactory(DepartmentFactory)
    postal_codes = "12000"
    size_class = factory.LazyAttribute(lambda o: SizeClass.for_population(o.population))


class MissionLocaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MissionLocale

    code = factory.Sequence(lambda n: f"{12000 + n:05d}S00")
    name = factory.Sequence(lambda n: f"Mission locale {n}")
    commune = factory.SubFactory(CommuneFactory)
    department = factory.SelfAttribute("commune.department")
    region = factory.SelfAttribute("commune.department.region")


class CnamSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CnamSite

    code = factory.Sequence(lambda n: f"CNAM-SITE-{n}")
    name = factory.Sequence(lambda n: f"Cnam centre {n}")
    site_kind = CnamSiteKind.SITE
    commune = factory.SubFactory(CommuneFactory)
    parent = factory.Maybe(
        factory.LazyAttribute(lambda o: o.site_kind == CnamSiteKind.SITE),
        yes_declaration=factory.SubFactory(
            "tests.factories.CnamSiteFactory", site_kind=CnamSiteKind.REGIONAL_CENTRE, parent=None
        ),
        no_declaration=None,
    )

    class Params:
        regional_centre = factory.Trait(site_kind=CnamSiteKind.REGIONAL_CENTRE, parent=None)


class SteeringBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SteeringBody
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PILOTAGE-{n}")
    name = factory.Sequence(lambda n: f"Instance de pilotage {n}")
    scope = SteeringScope.NATIONAL


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-de-test")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(MissionLocaleFactory)
    role = Role.COUNSELLOR


def member(role: str, organisation=None, **user_fields) -> User:
    """A user with one membership of the given role, in a new organisation of the right kind unless given."""
    if organisation is None:
        if role in (Role.COUNSELLOR, Role.ML_MANAGER):
            organisation = MissionLocaleFactory()
        elif role == Role.CNAM_REFERENT:
            organisation = CnamSiteFactory()
        elif role == Role.CNAM_REGIONAL:
            organisation = CnamSiteFactory(regional_centre=True)
        else:
            organisation = SteeringBodyFactory()
    return MembershipFactory(role=role, organisation=organisation, user=UserFactory(**user_fields)).user
