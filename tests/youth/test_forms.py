"""What a counsellor typing the young person form is told."""

import datetime

import pytest
from django.utils import timezone

from tests.youth.factories import born, commune
from tremplin.youth.forms import YoungPersonForm


@pytest.fixture
def data(rodez, counsellor):
    def _data(**overrides):
        values = {
            "first_name": "Léa",
            "last_name": "Martin",
            "birth_date": born(19).isoformat(),
            "home_commune": "Rodez (12)",
            "education_level": "4",
            "has_bac": "on",
            "max_travel_km": "30",
            "programme": "cej",
            "counsellor": str(counsellor.pk),
            "consent": "on",
            "consent_purpose": "Orientation vers le Cnam",
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v is not None}

    return _data


def form_for(data, mission_locale, **kwargs):
    form = YoungPersonForm(data, mission_locale=mission_locale, **kwargs)
    form.is_valid()
    return form


def test_a_complete_form_is_valid(data, mission_locale, rodez, fiches):
    form = form_for(data(interests="d1102, M1805"), mission_locale)

    assert form.errors == {}
    assert form.cleaned_data["home_commune"] == rodez
    assert [f.code for f in form.cleaned_data["interests"]] == ["D1102", "M1805"]


def test_birth_date_in_the_future(data, mission_locale):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    form = form_for(data(birth_date=tomorrow.isoformat()), mission_locale)

    assert form.errors["birth_date"] == ["La date de naissance ne peut pas être dans le futur."]


def test_under_16(data, mission_locale):
    form = form_for(data(birth_date=born(16, days=-1).isoformat()), mission_locale)  # 16 tomorrow

    assert form.errors["birth_date"] == [
        "La personne a 15 ans : les missions locales accompagnent les jeunes à partir de 16 ans."
    ]
    assert form_for(data(birth_date=born(16).isoformat()), mission_locale).errors == {}


def test_over_25_needs_the_rqth_box_and_then_only_warns(data, mission_locale):
    refused = form_for(data(birth_date=born(27).isoformat()), mission_locale)
    assert (
        "sauf avec une reconnaissance de la qualité de travailleur handicapé (RQTH)"
        in refused.errors["birth_date"][0]
    )
    assert "Cochez la case RQTH" in refused.errors["birth_date"][0]

    allowed = form_for(data(birth_date=born(27).isoformat(), rqth="on"), mission_locale)
    assert allowed.errors == {}
    assert allowed.warnings == [
        "La personne a 27 ans : au-delà de 25 ans, son accompagnement repose sur sa RQTH (possible jusqu'à 29 ans)."
    ]
    assert "rqth" not in allowed.service_kwargs()  # never stored


def test_25_is_still_accompanied_and_30_never(data, mission_locale):
    assert form_for(data(birth_date=born(26, days=-1).isoformat()), mission_locale).errors == {}
    too_old = form_for(data(birth_date=born(30).isoformat(), rqth="on"), mission_locale)
    assert too_old.errors["birth_date"] == [
        "La personne a 30 ans : l'accompagnement s'arrête à 25 ans, et à 29 ans avec une RQTH."
    ]


def test_negative_radius(data, mission_locale):
    form = form_for(data(max_travel_km="-5"), mission_locale)

    assert form.errors["max_travel_km"] == ["La distance maximale de déplacement ne peut pas être négative."]


def test_unknown_level(data, mission_locale):
    form = form_for(data(education_level="9"), mission_locale)

    assert form.errors["education_level"] == [
        "Niveau de diplôme inconnu : choisissez infra 3 ou un niveau de 3 à 8 dans la liste."
    ]


def test_bac_with_a_level_below_4(data, mission_locale):
    form = form_for(data(education_level="3", has_bac="on"), mission_locale)

    assert "Le baccalauréat est un diplôme de niveau 4" in form.errors["education_level"][0]


def test_unknown_and_malformed_rome_codes(data, mission_locale, fiches):
    unknown = form_for(data(interests="D1102 D9999"), mission_locale)
    assert unknown.errors["interests"] == ["Code ROME inconnu : D9999."]

    malformed = form_for(data(interests="boulanger"), mission_locale)
    message = malformed.errors["interests"][0]
    assert message.startswith("« boulanger » n'est pas un code ROME")
    assert "Vouliez-vous dire D1102 (Boulangerie - viennoiserie)" in message


def test_interests_from_several_hidden_inputs(mission_locale, fiches, data):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(data())
    query.setlist("interests", ["D1102", "M1805", "D1102"])
    form = form_for(query, mission_locale)

    assert form.errors == {}
    assert [f.code for f in form.cleaned_data["interests"]] == ["D1102", "M1805"]


def test_unknown_commune_names_the_field(data, mission_locale, rodez):
    form = form_for(data(home_commune="Atlantide"), mission_locale)

    assert form.errors["home_commune"] == [
        "Commune de résidence : aucune commune ne correspond à « Atlantide ». "
        "Tapez son nom, son code postal ou son code INSEE."
    ]


def test_ambiguous_commune_asks_for_the_department(data, mission_locale):
    commune("93066", "Saint-Denis", 48.93, 2.35, department="93", population=110000)
    reunion = commune("97411", "Saint-Denis", -20.88, 55.45, department="974", population=150000)

    form = form_for(data(home_commune="saint denis"), mission_locale)
    message = form.errors["home_commune"][0]
    assert message.startswith("Commune de résidence : plusieurs communes correspondent à « saint denis »")
    assert "Saint-Denis (93)" in message and "Saint-Denis (974)" in message

    resolved = form_for(data(home_commune="Saint-Denis (974)"), mission_locale)
    assert resolved.errors == {}
    assert resolved.cleaned_data["home_commune"] == reunion


def test_commune_from_insee_code_postal_code_or_unique_name(data, mission_locale, rodez, millau):
    for typed in ("12202", "12000", "rodez", "RODEZ", "Rodez (12)"):
        form = form_for(data(home_commune=typed), mission_locale)
        assert form.errors == {}, typed
        assert form.cleaned_data["home_commune"] == rodez, typed


def test_accessibility_note_needs_its_consent(data, mission_locale):
    form = form_for(data(accessibility_note="Accès en fauteuil"), mission_locale)

    assert "qu'avec l'accord de la personne" in form.errors["accessibility_note"][0]
    assert (
        form_for(
            data(accessibility_note="Accès en fauteuil", accessibility_consent="on"), mission_locale
        ).errors
        == {}
    )


def test_phone_and_names(data, mission_locale):
    form = form_for(data(phone="12 34", first_name="  ", last_name="1234"), mission_locale)

    assert form.errors["phone"][0].startswith("Numéro de téléphone invalide")
    assert form.errors["first_name"] == ["Ce champ est obligatoire."]
    assert form.errors["last_name"] == ["Le nom doit contenir au moins une lettre."]
    assert form_for(data(phone="06 12 34 56 78"), mission_locale).errors == {}


def test_counsellor_must_be_of_the_mission_locale(data, mission_locale):
    from tests.factories import member
    from tremplin.accounts.enums import Role

    outsider = member(Role.COUNSELLOR)
    form = form_for(data(counsellor=str(outsider.pk)), mission_locale)

    assert "counsellor" in form.errors
