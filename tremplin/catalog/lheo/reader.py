"""Streaming reader of LHEO 2.2 and 2.3 files.

The file is read twice by lxml, never whole: a first look stops at the root element (namespace,
entity declarations), then ``iterparse`` hands over one ``<formation>`` at a time, which is turned
into plain records and freed. Memory does not depend on the file size.

Safety: entities are never resolved, nothing is fetched from the network, no DTD is loaded, and a
file that declares entities (the "billion laughs" bomb, external entities reading local files) is
refused before its content is read. ``huge_tree`` stays off: a single text node of more than
10 MB is an error, not a reason to allocate gigabytes.
"""

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from tremplin.catalog.enums import (
    LHEO_LEVEL_CODES,
    REGISTRATION_STATE_FROM_LHEO,
    TEACHING_MODE_FROM_LHEO,
    RegistrationState,
    ScheduleType,
    level_from_lheo,
)
from tremplin.catalog.lheo import EXTRAS_INFO, NS_22, NS_23, VERSIONS
from tremplin.catalog.text import DateFormatError, clean_text, fold, is_placeholder, parse_date

PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}

ABSENT = object()  # a value the file does not give: the importer keeps what is stored

_ROME = re.compile(r"[A-N]\d{4}")
_CERTIFICATION = re.compile(r"(RNCP|RS)?\s*(\d{1,8})", re.IGNORECASE)


class LheoFileError(Exception):
    """The file as a whole cannot be read: malformed, not LHEO, unsafe. The message is for people."""


@dataclass(slots=True)
class Problem:
    line: int | None
    field: str
    message: str


@dataclass(slots=True)
class Address:
    name: str = ""
    lines: list[str] = field(default_factory=list)
    postal_code: str = ""
    city: str = ""
    insee_code: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(slots=True)
class SessionRecord:
    external_id: str
    line: int | None
    fields: dict
    places_available: object  # int, None, or ABSENT
    problems: list[Problem]


@dataclass(slots=True)
class ActionRecord:
    external_id: str
    line: int | None
    fields: dict
    place: Address | None
    cnam_site_code: str
    sessions: list[SessionRecord]
    problems: list[Problem]
    duplicate: bool = False


@dataclass(slots=True)
class ProviderRecord:
    siret: str
    fields: dict


@dataclass(slots=True)
class FormationRecord:
    external_id: str
    line: int | None
    fields: dict
    certification_codes: list[str]
    min_age_without_level: object  # int, None, or ABSENT
    provider: ProviderRecord | None
    actions: list[ActionRecord]
    problems: list[Problem]
    duplicate: bool = False


def stable_id(prefix: str, *parts: str) -> str:
    """An identifier for an element without ``numero``: the same content gives the same id."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()
    return f"{prefix}-{digest}"


def _text(element) -> str:
    if element is None:
        return ""
    if len(element):  # mixed content, e.g. XHTML put inside a text element
        return "".join(element.itertext())
    return element.text or ""


def syntax_error_message(display_name: str, exc: etree.XMLSyntaxError) -> str:
    line, column = exc.position if exc.position and exc.position[0] else (exc.lineno, None)
    where = f"{display_name}, ligne {line}" + (f", colonne {column}" if column else "")
    detail = str(exc.msg if hasattr(exc, "msg") and exc.msg else exc).split(", line ")[0]
    return f"{where} : XML mal formé ({detail})."


class LheoReader:
    def __init__(self, path: Path, *, display_name: str | None = None):
        self.path = Path(path)
        self.display_name = display_name or self.path.name
        self.namespace = ""
        self.version = ""

    # -- first look ------------------------------------------------------------------------------------

    def check(self) -> str:
        """Read up to the root element: refuse unsafe or non-LHEO files; return the LHEO version."""
        try:
            context = etree.iterparse(str(self.path), events=("start",), **PARSER_OPTIONS)
            _, root = next(iter(context))
        except StopIteration:
            raise LheoFileError(f"{self.display_name} : fichier vide.") from None
        except etree.XMLSyntaxError as exc:
            raise LheoFileError(syntax_error_message(self.display_name, exc)) from None
        docinfo = root.getroottree().docinfo
        dtd = docinfo.internalDTD
        entities = [entity.name for entity in dtd.entities()] if dtd is not None else []
        if entities:
            raise LheoFileError(
                f"{self.display_name} : le fichier déclare des entités XML ({', '.join(entities[:5])}). "
                "Refusé par sécurité (risque de « bombe XML » ou de lecture de fichiers) : un fichier LHEO n'en a "
                "pas besoin."
            )
        qname = etree.QName(root)
        if qname.localname != "lheo":
            raise LheoFileError(
                f"{self.display_name}, ligne {root.sourceline} : élément racine « {qname.localname} » "
                f"(espace de noms « {qname.namespace or 'aucun'} ») ; attendu « lheo » (LHEO 2.2 ou 2.3)."
            )
        if qname.namespace not in VERSIONS:
            raise LheoFileError(
                f"{self.display_name}, ligne {root.sourceline} : espace de noms « {qname.namespace or 'aucun'} » "
                f"non pris en charge ; attendu {NS_23} (LHEO 2.3) ou {NS_22} (LHEO 2.2)."
            )
        self.namespace = qname.namespace
        self.version = VERSIONS[qname.namespace]
        return self.version

    # -- validation ------------------------------------------------------------------------------------

    def validate(
        self, xsd_path: Path, *, max_errors: int = 20, in_memory_limit: int = 50 * 1024 * 1024
    ) -> list[str]:
        """Problems found by the LHEO 2.3 XSD, with their lines. Small files are validated whole
        (every error with its line); larger ones while streaming (the first error, located at the
        last element read)."""
        if self.namespace != NS_23:
            return [f"{self.display_name} : la validation XSD ne s'applique qu'aux fichiers LHEO 2.3."]
        try:
            schema = etree.XMLSchema(etree.parse(str(xsd_path), etree.XMLParser(**PARSER_OPTIONS)))
        except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
            raise LheoFileError(f"Schéma LHEO illisible ({xsd_path}) : {exc}") from None
        if self.path.stat().st_size <= in_memory_limit:
            document = etree.parse(str(self.path), etree.XMLParser(**PARSER_OPTIONS))
            if schema.validate(document):
                return []
            return [
                f"{self.display_name}, ligne {error.line} : {error.message}"
                for error in list(schema.error_log)[:max_errors]
            ]
        line = 0
        try:
            tag = f"{{{NS_23}}}formation"
            for _, element in etree.iterparse(
                str(self.path), events=("end",), tag=tag, schema=schema, **PARSER_OPTIONS
            ):
                line = element.sourceline or line
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del element.getparent()[0]
        except etree.XMLSyntaxError as exc:
            return [f"{self.display_name}, vers la ligne {line} : {str(exc).split(' (<string>')[0]}"]
        return []

    # -- records ---------------------------------------------------------------------------------------

    def formations(self, progress=None) -> Iterator[FormationRecord]:
        """Each ``<formation>`` as a record, in file order. ``progress(bytes_read)`` is called now and then."""
        if not self.namespace:
            self.check()
        tags = _Tags(self.namespace)
        with self.path.open("rb") as handle:
            context = etree.iterparse(handle, events=("end",), tag=tags.formation, **PARSER_OPTIONS)
            try:
                for count, (_, element) in enumerate(context, start=1):
                    record = _FormationParser(tags, element).record()
                    # Free what was parsed so far: the element and the siblings before it.
                    element.clear(keep_tail=False)
                    parent = element.getparent()
                    while element.getprevious() is not None:
                        del parent[0]
                    if progress is not None and count % 200 == 0:
                        progress(handle.tell())
                    yield record
            except etree.XMLSyntaxError as exc:
                raise LheoFileError(syntax_error_message(self.display_name, exc)) from None
            if progress is not None:
                progress(handle.tell())


class _Tags:
    """Clark names (``{namespace}local``) of the elements read, built once per file."""

    NAMES = (
        "formation domaine-formation code-FORMACODE code-NSF code-ROME intitule-formation objectif-formation "
        "resultats-attendus contenu-formation certifiante contact-formation coordonnees nom prenom civilite "
        "telfixe portable numtel courriel web urlweb parcours-de-formation code-niveau-entree "
        "objectif-general-formation certification code-RNCP code-RS code-niveau-sortie url-formation action "
        "rythme-formation code-public-vise info-public-vise niveau-entree-obligatoire modalites-alternance "
        "modalites-enseignement conditions-specifiques prise-en-charge-frais-possible lieu-de-formation "
        "modalites-entrees-sorties url-action session periode debut fin adresse-inscription adresse "
        "denomination ligne codepostal ville code-INSEE-commune geolocalisation latitude longitude "
        "etat-recrutement modalites-recrutement prix-horaire-TTC prix-total-TTC duree-indicative "
        "nombre-heures-centre nombre-heures-entreprise nombre-heures-total organisme-financeur "
        "code-financeur organisme-formation-responsable numero-activite SIRET-organisme-formation SIRET "
        "nom-organisme raison-sociale coordonnees-organisme contact-organisme extras extra"
    ).split()

    def __init__(self, namespace: str):
        for name in self.NAMES:
            setattr(self, name.replace("-", "_"), f"{{{namespace}}}{name}")


class _FormationParser:
    def __init__(self, tags: _Tags, element):
        self.t = tags
        self.element = element
        self.problems: list[Problem] = []

    # helpers

    def child_text(self, parent, tag: str) -> str:
        return clean_text(_text(parent.find(tag)))

    def code(
        self, parent, tag: str, allowed, field_name: str, problems: list[Problem], default: str = ""
    ) -> str:
        element = parent.find(tag)
        if element is None:
            return default
        value = (element.text or "").strip()
        if not value or is_placeholder(value):
            return default
        if value not in allowed:
            problems.append(Problem(element.sourceline, field_name, f"code inconnu « {value} »"))
            return default
        return value

    def integer(self, parent, tag: str, field_name: str, problems: list[Problem]) -> int | None:
        element = parent.find(tag)
        value = clean_text(_text(element)).replace(" ", "").replace("\u202f", "")
        if not value:
            return None
        if not value.isdigit():
            problems.append(Problem(element.sourceline, field_name, f"nombre entier attendu, lu « {value} »"))
            return None
        return int(value)

    def decimal(self, parent, tag: str, field_name: str, problems: list[Problem]) -> Decimal | None:
        element = parent.find(tag)
        value = clean_text(_text(element)).replace(" ", "").replace("\u202f", "").replace("€", "")
        if not value:
            return None
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0 or number >= Decimal("1e8"):
            problems.append(Problem(element.sourceline, field_name, f"montant illisible « {value} »"))
            return None
        return number.quantize(Decimal("0.01"))

    def address(self, element) -> Address | None:
        """An ``<adresse>`` (or the one inside a ``<coordonnees>``)."""
        t = self.t
        if element is None:
            return None
        if element.tag == t.coordonnees:
            element = element.find(t.adresse)
            if element is None:
                return None
        address = Address(
            name=self.child_text(element, t.denomination),
            lines=[line for line in (clean_text(_text(e)) for e in element.iterchildren(t.ligne)) if line],
            postal_code=clean_text(_text(element.find(t.codepostal))).replace(" ", ""),
            city=self.child_text(element, t.ville),
            insee_code=clean_text(_text(element.find(t.code_INSEE_commune))).upper(),
        )
        geo = element.find(t.geolocalisation)
        if geo is not None:
            try:
                latitude = float(_text(geo.find(t.latitude)).replace(",", "."))
                longitude = float(_text(geo.find(t.longitude)).replace(",", "."))
            except ValueError:
                latitude = longitude = None
            if latitude is not None and -90 <= latitude <= 90 and -180 <= longitude <= 180:
                address.latitude, address.longitude = latitude, longitude
        return address

    def contact(self, element) -> tuple[str, str, str]:
        """(name, phone, email) of a ``<contact-…>`` or ``<coordonnees>``."""
        t = self.t
        if element is None:
            return "", "", ""
        coordinates = element if element.tag == t.coordonnees else element.find(t.coordonnees)
        if coordinates is None:
            return "", "", ""
        name = " ".join(
            part
            for part in (self.child_text(coordinates, t.prenom), self.child_text(coordinates, t.nom))
            if part
        )
        phone = ""
        for kind in (t.telfixe, t.portable):
            holder = coordinates.find(kind)
            if holder is not None:
                phone = self.child_text(holder, t.numtel)
                if phone:
                    break
        email = self.child_text(coordinates, t.courriel)
        return name[:100], phone[:25], email[:160]

    def extras(self, element) -> dict[str, str]:
        """Values of ``<extras info="tremplin"><extra info="key">value</extra></extras>``."""
        values = {}
        for block in element.iterchildren(self.t.extras):
            if block.get("info") != EXTRAS_INFO:
                continue
            for extra in block.iterchildren(self.t.extra):
                values[extra.get("info", "")] = (extra.text or "").strip()
        return values

    def url(self, element, tag: str) -> str:
        holder = element.find(tag)
        return self.child_text(holder, self.t.urlweb)[:400] if holder is not None else ""

    # formation

    def record(self) -> FormationRecord:
        t, element, problems = self.t, self.element, self.problems
        line = element.sourceline
        title = self.child_text(element, t.intitule_formation)
        if not title:
            problems.append(Problem(line, "intitule-formation", "élément obligatoire manquant ou vide"))
        domain = element.find(t.domaine_formation)
        formacodes, nsf, rome = [], [], []
        if domain is not None:
            for code_element in domain:
                value = (code_element.text or "").strip().upper()
                if not value or is_placeholder(value):
                    continue
                if code_element.tag == t.code_ROME:
                    if not _ROME.fullmatch(value):
                        problems.append(
                            Problem(code_element.sourceline, "code-ROME", f"code ROME invalide « {value} »")
                        )
                    elif value not in rome:
                        rome.append(value)
                elif code_element.tag == t.code_FORMACODE and value not in formacodes:
                    formacodes.append(value[:5])
                elif code_element.tag == t.code_NSF and value not in nsf:
                    nsf.append(value[:4])
        certification_codes = []
        for certification in element.iterchildren(t.certification):
            for tag, prefix in ((t.code_RNCP, "RNCP"), (t.code_RS, "RS")):
                raw = self.child_text(certification, tag)
                if not raw:
                    continue
                match = _CERTIFICATION.fullmatch(raw)
                if not match or (match.group(1) and match.group(1).upper() != prefix):
                    problems.append(
                        Problem(certification.sourceline, tag.split("}")[1], f"code invalide « {raw} »")
                    )
                    continue
                code = f"{prefix}{int(match.group(2))}"
                if code not in certification_codes:
                    certification_codes.append(code)
        entry_code = self.code(
            element, t.code_niveau_entree, LHEO_LEVEL_CODES, "code-niveau-entree", problems
        )
        exit_code = self.code(element, t.code_niveau_sortie, LHEO_LEVEL_CODES, "code-niveau-sortie", problems)
        contact_name, contact_phone, contact_email = self.contact(element.find(t.contact_formation))
        extras = self.extras(element)
        min_age: object = ABSENT
        if "age-minimum-sans-niveau" in extras:
            value = extras["age-minimum-sans-niveau"]
            min_age = int(value) if value.isdigit() and int(value) < 100 else None
        fields = {
            "title": title[:255],
            "objectives": self.child_text(element, t.objectif_formation),
            "expected_results": self.child_text(element, t.resultats_attendus),
            "content": self.child_text(element, t.contenu_formation),
            "is_certifying": self.child_text(element, t.certifiante) == "1",
            "certification_codes": " ".join(certification_codes)[:120],
            "formacode_codes": " ".join(formacodes[:10]),
            "nsf_codes": " ".join(nsf[:6]),
            "rome_codes": " ".join(rome[:30]),
            "entry_level": level_from_lheo(entry_code) if entry_code else None,
            "exit_level": level_from_lheo(exit_code) if exit_code else None,
            "course_type": self.code(
                element, t.parcours_de_formation, {"1", "2", "3", "4"}, "parcours-de-formation", problems, "1"
            ),
            "general_objective": self.code(
                element,
                t.objectif_general_formation,
                {"1", "2", "3", "4", "5", "6", "7", "8", "9"},
                "objectif-general-formation",
                problems,
            ),
            "url": self.url(element, t.url_formation),
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "contact_email": contact_email,
        }
        provider = self.provider(element.find(t.organisme_formation_responsable), line)
        external_id = (element.get("numero") or "").strip()[:120] or stable_id(
            "f", provider.siret if provider else "", title, fields["certification_codes"]
        )
        actions = [self.action(action, external_id) for action in element.iterchildren(t.action)]
        if not actions:
            problems.append(
                Problem(line, "action", "élément obligatoire manquant : la formation n'a aucune action")
            )
        # LHEO puts these on each action; Tremplin keeps them once per training (the first action's).
        first = actions[0].fields if actions else {}
        fields["entry_level_required"] = first.pop("_entry_level_required", False)
        fields["prerequisites"] = first.pop("_prerequisites", "")
        for action in actions[1:]:
            action.fields.pop("_entry_level_required", None)
            action.fields.pop("_prerequisites", None)
        return FormationRecord(
            external_id=external_id,
            line=line,
            fields=fields,
            certification_codes=certification_codes,
            min_age_without_level=min_age,
            provider=provider,
            actions=actions,
            problems=problems,
        )

    def provider(self, element, line) -> ProviderRecord | None:
        t = self.t
        if element is None:
            self.problems.append(
                Problem(
                    line,
                    "organisme-formation-responsable",
                    "élément obligatoire manquant : organisme responsable",
                )
            )
            return None
        siret_holder = element.find(t.SIRET_organisme_formation)
        siret = self.child_text(siret_holder, t.SIRET) if siret_holder is not None else ""
        siret = siret.replace(" ", "")
        if not siret:
            self.problems.append(
                Problem(
                    element.sourceline, "SIRET-organisme-formation", "élément obligatoire manquant : SIRET"
                )
            )
            return None
        if len(siret) != 14 or not siret.isdigit():
            self.problems.append(
                Problem(element.sourceline, "SIRET", f"SIRET invalide « {siret} » (14 chiffres attendus)")
            )
            return None
        name = self.child_text(element, t.nom_organisme)
        legal_name = self.child_text(element, t.raison_sociale)
        coordinates_holder = element.find(t.coordonnees_organisme)
        coordinates = coordinates_holder.find(t.coordonnees) if coordinates_holder is not None else None
        address = self.address(coordinates) if coordinates is not None else None
        _, phone, email = self.contact(coordinates)
        activity = self.child_text(element, t.numero_activite)
        fields = {
            "name": (name or legal_name or siret)[:250],
            "legal_name": legal_name[:250],
            "activity_number": activity[:11] if len(activity) == 11 else "",
            "address": address.text if address else "",
            "postal_code": address.postal_code[:5] if address else "",
            "city": address.city[:100] if address else "",
            "email": email if "@" in email else "",
            "phone": phone[:30],
            "website": self.url(coordinates, t.web) if coordinates is not None else "",
        }
        return ProviderRecord(siret=siret, fields=fields)

    # action

    def action(self, element, formation_id: str) -> ActionRecord:
        t = self.t
        problems: list[Problem] = []
        line = element.sourceline
        mode_code = self.code(
            element, t.modalites_enseignement, TEACHING_MODE_FROM_LHEO, "modalites-enseignement", problems
        )
        if element.find(t.modalites_enseignement) is None:
            problems.append(Problem(line, "modalites-enseignement", "élément obligatoire manquant"))
        place_holder = element.find(t.lieu_de_formation)
        place = self.address(place_holder.find(t.coordonnees)) if place_holder is not None else None
        rhythm = self.child_text(element, t.rythme_formation)
        extras = self.extras(element)
        schedule = extras.get("horaires", "")
        if schedule not in ScheduleType.values:
            schedule = schedule_from_text(rhythm)
        funders = []
        for funder in element.iterchildren(t.organisme_financeur):
            code = self.child_text(funder, t.code_financeur)
            if code and code not in funders:
                funders.append(code)
        public_codes = [
            code for code in (clean_text(_text(e)) for e in element.iterchildren(t.code_public_vise)) if code
        ]
        fields = {
            "teaching_mode": TEACHING_MODE_FROM_LHEO.get(mode_code, TEACHING_MODE_FROM_LHEO["0"]).value,
            "schedule": schedule,
            "rhythm": rhythm,
            "public_codes": " ".join(public_codes[:10])[:60],
            "public_info": self.child_text(element, t.info_public_vise)[:250],
            "alternance_terms": self.child_text(element, t.modalites_alternance),
            "fees_covered": self.child_text(element, t.prise_en_charge_frais_possible) == "1",
            "url": self.url(element, t.url_action),
            "hours_total": self.integer(element, t.nombre_heures_total, "nombre-heures-total", problems),
            "hours_centre": self.integer(element, t.nombre_heures_centre, "nombre-heures-centre", problems),
            "hours_company": self.integer(
                element, t.nombre_heures_entreprise, "nombre-heures-entreprise", problems
            ),
            "duration_text": self.child_text(element, t.duree_indicative)[:150],
            "price": self.decimal(element, t.prix_total_TTC, "prix-total-TTC", problems),
            "hourly_price": self.decimal(element, t.prix_horaire_TTC, "prix-horaire-TTC", problems),
            "funders": " ".join(funders)[:100],
            "registration_info": self.child_text(element, t.modalites_recrutement),
            "_entry_level_required": self.child_text(element, t.niveau_entree_obligatoire) == "1",
            "_prerequisites": self.child_text(element, t.conditions_specifiques),
        }
        if fields["hourly_price"] is not None and fields["hourly_price"] >= Decimal("1e6"):
            problems.append(Problem(line, "prix-horaire-TTC", "montant trop élevé"))
            fields["hourly_price"] = None
        permanent = self.child_text(element, t.modalites_entrees_sorties) == "1"
        external_id = (element.get("numero") or "").strip()[:120] or stable_id(
            "a",
            formation_id,
            place.postal_code if place else "",
            fold(place.city) if place else "",
            fold(place.text) if place else "",
            fields["teaching_mode"],
        )
        sessions = [
            self.session(session, external_id, permanent) for session in element.iterchildren(t.session)
        ]
        if not sessions:
            problems.append(
                Problem(line, "session", "élément obligatoire manquant : l'action n'a aucune session")
            )
        return ActionRecord(
            external_id=external_id,
            line=line,
            fields=fields,
            place=place,
            cnam_site_code=extras.get("site-cnam", ""),
            sessions=sessions,
            problems=problems,
        )

    # session

    def session(self, element, action_id: str, permanent: bool) -> SessionRecord:
        t = self.t
        problems: list[Problem] = []
        line = element.sourceline
        period = element.find(t.periode)
        start = end = None
        if period is None:
            problems.append(Problem(line, "periode", "élément obligatoire manquant : période de la session"))
        else:
            for tag, name in ((t.debut, "debut"), (t.fin, "fin")):
                holder = period.find(tag)
                if holder is None:
                    problems.append(Problem(period.sourceline, name, "élément obligatoire manquant"))
                    continue
                try:
                    value = parse_date(_text(holder), end=name == "fin")
                except DateFormatError as exc:
                    problems.append(Problem(holder.sourceline, name, str(exc)))
                    continue
                if name == "debut":
                    start = value
                else:
                    end = value
            if start and end and end < start:
                problems.append(
                    Problem(
                        period.sourceline,
                        "fin",
                        f"la session finit ({end:%d/%m/%Y}) avant de commencer ({start:%d/%m/%Y})",
                    )
                )
        state = self.code(
            element, t.etat_recrutement, REGISTRATION_STATE_FROM_LHEO, "etat-recrutement", problems
        )
        registration_holder = element.find(t.adresse_inscription)
        registration = (
            self.address(registration_holder.find(t.adresse)) if registration_holder is not None else None
        )
        extras = self.extras(element)
        places: object = ABSENT
        if "places-disponibles" in extras:
            value = extras["places-disponibles"]
            places = int(value) if value.isdigit() else None
        external_id = (element.get("numero") or "").strip()[:120] or stable_id(
            "s", action_id, str(start or ""), str(end or "")
        )
        fields = {
            "start_date": start,
            "end_date": end,
            "permanent_entry": permanent,
            "registration_state": REGISTRATION_STATE_FROM_LHEO.get(state, RegistrationState.OPEN).value,
            "registration_address": registration.text if registration else "",
            "registration_postal_code": registration.postal_code[:5] if registration else "",
            "registration_city": registration.city[:100] if registration else "",
        }
        return SessionRecord(
            external_id=external_id, line=line, fields=fields, places_available=places, problems=problems
        )


def schedule_from_text(rhythm: str) -> str:
    """Guess the schedule from the free text of ``rythme-formation``."""
    words = fold(rhythm)
    evening = "soir" in words or "cours du soir" in words
    weekend = "samedi" in words or "week end" in words or "weekend" in words
    if evening and weekend:
        return ScheduleType.MIXED.value
    if evening:
        return ScheduleType.EVENING.value
    if weekend:
        return ScheduleType.WEEKEND.value
    return ScheduleType.DAY.value
