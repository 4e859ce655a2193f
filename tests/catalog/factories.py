"""Factories of the catalogue. Traits: ``TrainingSessionFactory(closed=True)``, ``(past=True)``…"""

import datetime

import factory
from django.utils import timezone

from tests.factories import CnamSiteFactory, CommuneFactory
from tremplin.catalog.enums import CertificationRegistry, QualificationLevel, RegistrationState, TeachingMode
from tremplin.catalog.models import Certification, Training, TrainingAction, TrainingProvider, TrainingSession


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"RNCP{40000 + n}")
    registry = CertificationRegistry.RNCP
    title = factory.Sequence(lambda n: f"Certification {n}")
    level = QualificationLevel.LEVEL_6
    rome_codes = "M1805"


class TrainingProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingProvider
        django_get_or_create = ("siret",)

    siret = factory.Sequence(lambda n: f"{19753471200000 + n:014d}")
    name = factory.Sequence(lambda n: f"Cnam organisme {n}")
    is_cnam = True

    class Params:
        other = factory.Trait(is_cnam=False, name=factory.Sequence(lambda n: f"Autre organisme {n}"))


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    external_id = factory.Sequence(lambda n: f"T-{n}")
    provider = factory.SubFactory(TrainingProviderFactory)
    title = factory.Sequence(lambda n: f"Formation {n}")
    objectives = "Acquérir les compétences du métier."
    rome_codes = "M1805"


class TrainingActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingAction

    external_id = factory.Sequence(lambda n: f"A-{n}")
    training = factory.SubFactory(TrainingFactory)
    teaching_mode = TeachingMode.ON_SITE
    cnam_site = factory.SubFactory(CnamSiteFactory)
    commune = factory.LazyAttribute(lambda o: o.cnam_site.commune if o.cnam_site else CommuneFactory())
    city = factory.LazyAttribute(lambda o: o.commune.name)
    postal_code = factory.LazyAttribute(lambda o: o.commune.postal_codes.split()[0])
    latitude = factory.LazyAttribute(lambda o: o.commune.latitude)
    longitude = factory.LazyAttribute(lambda o: o.commune.longitude)


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    external_id = factory.Sequence(lambda n: f"S-{n}")
    action = factory.SubFactory(TrainingActionFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    end_date = factory.LazyAttribute(
        lambda o: o.start_date + datetime.timedelta(days=270) if o.start_date else None
    )
    registration_state = RegistrationState.OPEN
    places_available = 12

    class Params:
        closed = factory.Trait(registration_state=RegistrationState.CLOSED)
        past = factory.Trait(
            start_date=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=400)),
        )
        started = factory.Trait(
            start_date=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30)),
        )
