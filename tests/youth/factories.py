"""Factories of the youth tests: young people, a tiny ROME referential and Cnam sessions."""

import datetime

import factory
from django.utils import timezone

from tests.factories import (
    CnamSiteFactory,
    CommuneFactory,
    DepartmentFactory,
    MissionLocaleFactory,
    UserFactory,
)
from tremplin.catalog.enums import QualificationLevel, RegistrationState, TeachingMode
from tremplin.catalog.models import (
    RomeAppellation,
    RomeDomain,
    RomeFiche,
    RomeGrandDomain,
    Training,
    TrainingAction,
    TrainingProvider,
    TrainingSession,
)
from tremplin.catalog.services import catalog_changed
from tremplin.territories.lookup import normalize_name
from tremplin.youth.models import YoungPerson


def born(years: int, days: int = 0) -> datetime.date:
    """The birth date of someone who turned ``years`` old ``days`` days ago."""
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return birthday - datetime.timedelta(days=days)


def commune(insee_code, name, latitude, longitude, department="12", postal_codes="", population=1000):
    return CommuneFactory(
        insee_code=insee_code,
        name=name,
        search_name=normalize_name(name),
        latitude=latitude,
        longitude=longitude,
        population=population,
        postal_codes=postal_codes,
        department=DepartmentFactory(code=department, name=f"Département {department}"),
    )


def rome_referential():
    """Two grands domaines, three domaines, four fiches and a few appellations (real codes and labels)."""
    d = RomeGrandDomain.objects.create(code="D", label="Commerce, Vente et Grande distribution")
    m = RomeGrandDomain.objects.create(code="M", label="Support à l'entreprise")
    d11 = RomeDomain.objects.create(
        code="D11", label="Commerce alimentaire et métiers de bouche", grand_domain=d
    )
    d15 = RomeDomain.objects.create(code="D15", label="Grande distribution", grand_domain=d)
    m18 = RomeDomain.objects.create(
        code="M18", label="Systèmes d'information et de télécommunication", grand_domain=m
    )
    fiches = {
        "D1102": RomeFiche.objects.create(code="D1102", label="Boulangerie - viennoiserie", domain=d11),
        "D1104": RomeFiche.objects.create(
            code="D1104", label="Pâtisserie, confiserie, chocolaterie et glacerie", domain=d11
        ),
        "D1502": RomeFiche.objects.create(
            code="D1502", label="Management/gestion de rayon produits alimentaires", domain=d15
        ),
        "M1805": RomeFiche.objects.create(
            code="M1805", label="Études et développement informatique", domain=m18
        ),
    }
    for code, label, fiche in [
        ("11573", "Boulanger / Boulangère", "D1102"),
        ("10868", "Aide-boulanger / Aide-boulangère", "D1102"),
        ("12278", "Chef de rayon boulangerie", "D1502"),
        ("15000", "Pâtissier / Pâtissière", "D1104"),
        ("38000", "Développeur / Développeuse web", "M1805"),
    ]:
        RomeAppellation.objects.create(code=code, label=label, fiche=fiches[fiche])
    return fiches


class YoungPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = YoungPerson
        skip_postgeneration_save = True

    first_name = "Léa"
    last_name = factory.Sequence(lambda n: f"Durand{n}")
    birth_date = factory.LazyFunction(lambda: born(19))
    home_commune = factory.SubFactory(CommuneFactory)
    education_level = QualificationLevel.LEVEL_4
    has_bac = True
    mission_locale = factory.SubFactory(MissionLocaleFactory)
    counsellor = factory.SubFactory(UserFactory)
    consent_given_at = factory.LazyFunction(timezone.now)
    consent_purpose = "Orientation vers le Cnam"

    @factory.post_generation
    def interests(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.interests.set(extracted)


_counter = iter(range(1, 10**6))


def cnam_session(
    site,
    *,
    title="Formation",
    rome="",
    mode=TeachingMode.ON_SITE,
    start=None,
    entry_level=None,
    entry_level_required=False,
    min_age_without_level=None,
    places=12,
    state=RegistrationState.OPEN,
    permanent_entry=False,
    objectives="",
):
    """One Cnam training with one action at ``site`` and one session; moves the catalogue version."""
    n = next(_counter)
    provider, _ = TrainingProvider.objects.get_or_create(
        siret="19753471200017",
        defaults={"name": "Conservatoire national des arts et métiers", "is_cnam": True},
    )
    training = Training.objects.create(
        external_id=f"T{n}",
        provider=provider,
        title=title,
        objectives=objectives,
        rome_codes=rome,
        entry_level=entry_level,
        entry_level_required=entry_level_required,
        min_age_without_level=min_age_without_level,
    )
    action = TrainingAction.objects.create(
        external_id=f"A{n}", training=training, teaching_mode=mode, cnam_site=site
    )
    session = TrainingSession.objects.create(
        external_id=f"S{n}",
        action=action,
        start_date=start if start is not None else timezone.localdate() + datetime.timedelta(days=30),
        permanent_entry=permanent_entry,
        registration_state=state,
        places_available=places,
    )
    catalog_changed()
    return session


def cnam_site(commune_, name):
    return CnamSiteFactory(commune=commune_, name=name)
