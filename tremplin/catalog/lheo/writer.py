"""Export of the stored offer as LHEO 2.3, written as it is read from the database (``xmlfile``), one
formation at a time, so that memory does not grow with the catalogue.

LHEO requires some elements that Tremplin may not know (a description, a public code, an address
line): they are written with a neutral placeholder ("Non renseigné", "Sans objet", "80999" autre
public), which the importer reads back as empty. What LHEO has no element for (Cnam site, schedule,
age for entry without the level, places available) goes in ``<extras info="tremplin">``.
"""

from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.db.models import Exists, OuterRef, Prefetch
from lxml import etree

from tremplin.catalog.enums import (
    REGISTRATION_STATE_TO_LHEO,
    TEACHING_MODE_TO_LHEO,
    ScheduleType,
    level_to_lheo,
)
from tremplin.catalog.lheo import EXTRAS_INFO, NS_23
from tremplin.catalog.models import Training, TrainingAction, TrainingSession
from tremplin.catalog.text import lheo_date, split_lines

NOT_GIVEN = "Non renseigné"
NOT_APPLICABLE = "Sans objet"
OTHER_PUBLIC = "80999"
CHUNK = 200


def _tag(name: str) -> str:
    return f"{{{NS_23}}}{name}"


def _sub(parent, name: str, text=None):
    element = etree.SubElement(parent, _tag(name))
    if text is not None:
        element.text = str(text)
    return element


def _required_text(value: str, limit: int = 3000, placeholder: str = NOT_GIVEN) -> str:
    value = (value or "").strip()
    return value[:limit] if value else placeholder


def _amount(value: Decimal | None, limit: int) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text if len(text) <= limit else None


def _address(
    parent, *, name: str = "", text: str, postal_code: str, city: str, insee: str = "", lat=None, lon=None
):
    """An ``<adresse>``: LHEO wants at least one line, a 5-character postal code and a town."""
    address = _sub(parent, "adresse")
    if name:
        _sub(address, "denomination", name[:255])
    lines = split_lines(text, 50, 4) or split_lines(name, 50, 1) or [city[:50] or NOT_GIVEN]
    for line in lines:
        _sub(address, "ligne", line)
    _sub(address, "codepostal", postal_code if len(postal_code) == 5 else "00000")
    _sub(address, "ville", (city or NOT_GIVEN)[:50])
    if insee:
        _sub(address, "code-INSEE-commune", insee)
    if lat is not None and lon is not None:
        geo = _sub(address, "geolocalisation")
        _sub(geo, "latitude", repr(lat))
        _sub(geo, "longitude", repr(lon))
    return address


def _extras(parent, values: dict[str, object]) -> None:
    values = {key: value for key, value in values.items() if value not in (None, "")}
    if not values:
        return
    extras = _sub(parent, "extras")
    extras.set("info", EXTRAS_INFO)
    for key, value in values.items():
        extra = _sub(extras, "extra", value)
        extra.set("info", key)


def _contact_details(coordinates, *, phone: str, email: str, website: str = "") -> None:
    if phone:
        _sub(_sub(coordinates, "telfixe"), "numtel", phone[:25])
    if len(email) >= 3:
        _sub(coordinates, "courriel", email[:160])
    if len(website) >= 3:
        _sub(_sub(coordinates, "web"), "urlweb", website[:400])


def formation_element(training: Training, actions: list[TrainingAction]):
    """The ``<formation>`` of a training with the given actions (each with its sessions prefetched)."""
    formation = etree.Element(_tag("formation"), nsmap={None: NS_23})
    formation.set("numero", training.external_id)
    domain = _sub(formation, "domaine-formation")
    for code in training.formacode_codes.split()[:5]:
        if len(code) == 5:
            _sub(domain, "code-FORMACODE", code)
    for code in training.nsf_codes.split()[:3]:
        if len(code) >= 3:
            _sub(domain, "code-NSF", code[:3])
    for code in training.rome_codes.split()[:5]:
        if len(code) == 5:
            _sub(domain, "code-ROME", code)
    _sub(formation, "intitule-formation", training.title[:255] or NOT_GIVEN)
    _sub(formation, "objectif-formation", _required_text(training.objectives))
    _sub(formation, "resultats-attendus", _required_text(training.expected_results))
    _sub(formation, "contenu-formation", _required_text(training.content))
    _sub(formation, "certifiante", "1" if training.is_certifying else "0")
    contact = _sub(formation, "contact-formation")
    coordinates = _sub(contact, "coordonnees")
    if training.contact_name:
        _sub(coordinates, "nom", training.contact_name[:50])
    _contact_details(coordinates, phone=training.contact_phone, email=training.contact_email)
    _sub(formation, "parcours-de-formation", training.course_type or "1")
    _sub(formation, "code-niveau-entree", level_to_lheo(training.entry_level))
    if training.general_objective:
        _sub(formation, "objectif-general-formation", training.general_objective)
    for code in training.certification_codes.split()[:5]:
        certification = _sub(formation, "certification")
        _sub(certification, "code-RS" if code.startswith("RS") else "code-RNCP", code[:10])
    if training.exit_level:
        _sub(formation, "code-niveau-sortie", level_to_lheo(training.exit_level))
    if len(training.url) >= 3:
        _sub(_sub(formation, "url-formation"), "urlweb", training.url)
    for action in actions:
        formation.append(action_element(training, action))
    provider = training.provider
    responsible = _sub(formation, "organisme-formation-responsable")
    _sub(responsible, "numero-activite", provider.activity_number or "00000000000")
    _sub(_sub(responsible, "SIRET-organisme-formation"), "SIRET", provider.siret)
    _sub(responsible, "nom-organisme", provider.name[:250])
    _sub(responsible, "raison-sociale", (provider.legal_name or provider.name)[:250])
    coordinates = _sub(_sub(responsible, "coordonnees-organisme"), "coordonnees")
    if len(provider.postal_code) == 5 and provider.city:
        _address(coordinates, text=provider.address, postal_code=provider.postal_code, city=provider.city)
    _contact_details(coordinates, phone=provider.phone, email=provider.email, website=provider.website)
    _sub(_sub(responsible, "contact-organisme"), "coordonnees")
    _extras(formation, {"age-minimum-sans-niveau": training.min_age_without_level})
    return formation


def action_element(training: Training, action: TrainingAction):
    element = etree.Element(_tag("action"))
    element.set("numero", action.external_id)
    _sub(
        element,
        "rythme-formation",
        _required_text(action.rhythm, placeholder=ScheduleType(action.schedule).label),
    )
    for code in (action.public_codes.split() or [OTHER_PUBLIC])[:10]:
        _sub(element, "code-public-vise", code[:5])
    if action.public_info:
        _sub(element, "info-public-vise", action.public_info[:250])
    _sub(element, "niveau-entree-obligatoire", "1" if training.entry_level_required else "0")
    _sub(element, "modalites-alternance", _required_text(action.alternance_terms, placeholder=NOT_APPLICABLE))
    _sub(element, "modalites-enseignement", TEACHING_MODE_TO_LHEO[action.teaching_mode])
    _sub(
        element, "conditions-specifiques", _required_text(training.prerequisites, placeholder=NOT_APPLICABLE)
    )
    _sub(element, "prise-en-charge-frais-possible", "1" if action.fees_covered else "0")
    if action.postal_code or action.commune_id or action.city:
        place = _sub(element, "lieu-de-formation")
        _address(
            _sub(place, "coordonnees"),
            name=action.place_name,
            text=action.address,
            postal_code=action.postal_code,
            city=action.city,
            insee=action.commune_id or "",
            lat=action.latitude,
            lon=action.longitude,
        )
    sessions = list(action.sessions.all())
    permanent = bool(sessions) and all(session.permanent_entry for session in sessions)
    _sub(element, "modalites-entrees-sorties", "1" if permanent else "0")
    if len(action.url) >= 3:
        _sub(_sub(element, "url-action"), "urlweb", action.url)
    for session in sessions:
        element.append(session_element(action, session))
    if action.registration_info:
        _sub(element, "modalites-recrutement", action.registration_info[:3000])
    for name, value, limit in (
        ("prix-horaire-TTC", action.hourly_price, 6),
        ("prix-total-TTC", action.price, 10),
    ):
        text = _amount(value, limit)
        if text is not None:
            _sub(element, name, text)
    if action.duration_text:
        _sub(element, "duree-indicative", action.duration_text[:150])
    for name, value in (
        ("nombre-heures-centre", action.hours_centre),
        ("nombre-heures-entreprise", action.hours_company),
        ("nombre-heures-total", action.hours_total),
    ):
        if value is not None:
            _sub(element, name, value)
    for code in action.funders.split()[:8]:
        _sub(_sub(element, "organisme-financeur"), "code-financeur", code)
    _extras(
        element,
        {"horaires": action.schedule, "site-cnam": action.cnam_site.code if action.cnam_site_id else None},
    )
    return element


def session_element(action: TrainingAction, session: TrainingSession):
    element = etree.Element(_tag("session"))
    element.set("numero", session.external_id)
    period = _sub(element, "periode")
    _sub(period, "debut", lheo_date(session.start_date))
    _sub(period, "fin", lheo_date(session.end_date, end=True))
    registration = _sub(element, "adresse-inscription")
    if session.registration_postal_code or session.registration_city:
        _address(
            registration,
            text=session.registration_address,
            postal_code=session.registration_postal_code,
            city=session.registration_city,
        )
    else:
        _address(registration, name="", text=action.address, postal_code=action.postal_code, city=action.city)
    _sub(element, "etat-recrutement", REGISTRATION_STATE_TO_LHEO[session.registration_state])
    _extras(element, {"places-disponibles": session.places_available})
    return element


def offer_queryset(*, region: str | None = None, cnam_only: bool = False):
    """Trainings to export, with the actions to export prefetched (and their sessions)."""
    actions = TrainingAction.objects.select_related("cnam_site").order_by("pk")
    if region:
        actions = actions.in_region(region)
    actions = actions.filter(Exists(TrainingSession.objects.filter(action=OuterRef("pk"))))
    trainings = Training.objects.select_related("provider").filter(
        Exists(actions.filter(training=OuterRef("pk")))
    )
    if cnam_only:
        trainings = trainings.filter(provider__is_cnam=True)
    return trainings.order_by("pk").prefetch_related(
        Prefetch("actions", queryset=actions, to_attr="exported_actions"),
        Prefetch("exported_actions__sessions", queryset=TrainingSession.objects.order_by("start_date", "pk")),
    )


def export_offer(out: Path, *, region: str | None = None, cnam_only: bool = False) -> Counter:
    counts = Counter()
    with etree.xmlfile(str(out), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(_tag("lheo"), nsmap={None: NS_23}):
            with xf.element(_tag("offres")):
                for training in offer_queryset(region=region, cnam_only=cnam_only).iterator(chunk_size=CHUNK):
                    actions = training.exported_actions
                    xf.write(formation_element(training, actions), pretty_print=True)
                    counts["trainings"] += 1
                    counts["actions"] += len(actions)
                    counts["sessions"] += sum(len(action.sessions.all()) for action in actions)
    return counts
