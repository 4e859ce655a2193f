"""Streaming reader of LHEO 2.2 and 2.3 files.

The file is read twice by lxml, never whole: a first look stops at the root element (namespace,
entity declarations), then ``iterparse`` hands over one ``<formation>`` at a time, which is turned
into plain records and freed. Memory does not depend on the file size.

Safety: entities are never resolved, nothing is fetched from the network, no DTD is loaded, and a
file that declares entities (the "billion laughs" bomb, external entities reading local files) is
refused before its content is read. ``huge_tree`` stays off: a single text node of more than
10 MB is an error, not a reason to allocate gigabytes.
"""

import datetime
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
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


XINCLUDE_NAMESPACES = frozenset({"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"})


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


# The values of a session record, in this order (a tuple: there are as many sessions as the file has).
SESSION_VALUES = (
    "start_date",
    "end_date",
    "permanent_entry",
    "registration_state",
    "registration_address",
    "registration_postal_code",
    "registration_city",
)
REGISTRATION_ADDRESS, REGISTRATION_POSTAL_CODE, REGISTRATION_CITY = 4, 5, 6


@dataclass(slots=True)
class SessionRecord:
    external_id: str
    line: int | None
    values: tuple  # see SESSION_VALUES
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
    fields: dict  # empty when the provider was already read earlier in the file


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
    detail = str(exc.msg if hasattr(exc, "msg") and exc.msg else exc).split(", line ")[0]
    if not line and exc.error_log:
        # iterparse reports some errors (an undeclared entity) as "no element found" at line 0; the
        # parser's log has the real one, last.
        last = exc.error_log[-1]
        line, column, detail = last.line, last.column, last.message
    where = f"{display_name}, ligne {line}" + (f", colonne {column}" if column else "")
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
            with self.path.open("rb") as handle:
                _, root = next(iter(etree.iterparse(handle, events=("start",), **PARSER_OPTIONS)))
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
        if docinfo.doctype:
            where = f" ({docinfo.system_url})" if docinfo.system_url else ""
            raise LheoFileError(
                f"{self.display_name} : le fichier contient une déclaration de type de document (DOCTYPE){where}. "
                "Refusé par sécurité : un fichier LHEO n'en a pas besoin (il se valide par son schéma XSD), "
                "et rien n'est lu hors du fichier."
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
            with self.path.open("rb") as handle:
                events = etree.iterparse(handle, events=("end",), tag=tag, schema=schema, **PARSER_OPTIONS)
                for _, element in events:
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
        # Providers repeat in every formation of theirs: their details are read at first sight only
        # (the importer uses them once per run). One SIRET per provider: bounded, small.
        seen_sirets: set[str] = set()
        with self.path.open("rb") as handle:
            # "start-ns" events tell where a namespace is declared: an XInclude one is refused there.
            context = etree.iterparse(
                handle, events=("start-ns", "end"), tag=tags.formation, **PARSER_OPTIONS
            )
            count = 0
            try:
                for event, element in context:
                    if event == "start-ns":
                        if element[1] in XINCLUDE_NAMESPACES:
                            raise LheoFileError(
                                f"{self.display_name} : le fichier utilise XInclude "
                                f"(espace de noms « {element[1]} »). Refusé par sécurité : un fichier LHEO "
                                "n'inclut pas d'autres fichiers, et rien n'est lu hors du fichier."
                            )
                        continue
                    count += 1
                    record = _FormationParser(tags, element, seen_sirets).record()
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


def _kids(element) -> dict:
    """Children by tag (the last one for a repeated tag): one pass, then dictionary lookups."""
    return {child.tag: child for child in element}


_CLEANED: dict[str, str] = {}


def _clean(text: str | None) -> str:
    """``clean_text`` with a memory: files repeat the same towns, address lines and rhythms for
    thousands of sessions. Short strings only, and a bounded number of them."""
    if text is None:
        return ""
    if len(text) > 80:
        return clean_text(text)
    cleaned = _CLEANED.get(text)
    if cleaned is None:
        if len(_CLEANED) >= 4096:
            _CLEANED.clear()
        cleaned = _CLEANED[text] = clean_text(text)
    return cleaned


def _element_text(element) -> str:
    if len(element):  # mixed content, e.g. XHTML put inside a text element
        return clean_text("".join(element.itertext()))
    return _clean(element.text)


def _get(kids: dict, tag: str) -> str:
    element = kids.get(tag)
    return "" if element is None else _element_text(element)


_TRUE = "1"


class _FormationParser:
    """Turns one ``<formation>`` element into records. Lookups go through a dict of children per
    element: this code runs for every session of files of hundreds of MB."""

    def __init__(self, tags: _Tags, element, seen_sirets: set[str] | None = None):
        self.t = tags
        self.element = element
        self.problems: list[Problem] = []
        self.seen_sirets = seen_sirets if seen_sirets is not None else set()
        self.registration_cache: dict[tuple, tuple[str, str, str]] = {}  # for this formation only

    # helpers

    @staticmethod
    def code(
        kids: dict, tag: str, allowed, field_name: str, problems: list[Problem], default: str = ""
    ) -> str:
        element = kids.get(tag)
        if element is None:
            return default
        value = (element.text or "").strip()
        if not value or is_placeholder(value):
            return default
        if value not in allowed:
            problems.append(Problem(element.sourceline, field_name, f"code inconnu « {value} »"))
            return default
        return value

    @staticmethod
    def integer(kids: dict, tag: str, field_name: str, problems: list[Problem]) -> int | None:
        element = kids.get(tag)
        if element is None:
            return None
        value = _element_text(element).replace(" ", "").replace("\u202f", "")
        if not value:
            return None
        if not value.isdigit() or len(value) > 9:
            problems.append(Problem(element.sourceline, field_name, f"nombre entier attendu, lu « {value} »"))
            return None
        return int(value)

    @staticmethod
    def decimal(
        kids: dict, tag: str, field_name: str, problems: list[Problem], limit: Decimal
    ) -> Decimal | None:
        element = kids.get(tag)
        if element is None:
            return None
        value = _element_text(element).replace(" ", "").replace("\u202f", "").replace("€", "")
        if not value:
            return None
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0 or number >= limit:
            problems.append(
                Problem(element.sourceline, field_name, f"montant illisible ou hors limites « {value} »")
            )
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
        address = Address()
        lines = address.lines
        geo = None
        for child in element:
            tag = child.tag
            if tag == t.ligne:
                line = _clean(child.text)
                if line:
                    lines.append(line)
            elif tag == t.codepostal:
                address.postal_code = (child.text or "").replace(" ", "").strip()
            elif tag == t.ville:
                address.city = _clean(child.text)
            elif tag == t.code_INSEE_commune:
                address.insee_code = (child.text or "").strip().upper()
            elif tag == t.denomination:
                address.name = _clean(child.text)
            elif tag == t.geolocalisation:
                geo = child
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
        kids = _kids(coordinates)
        name = " ".join(part for part in (_get(kids, t.prenom), _get(kids, t.nom)) if part)
        phone = ""
        for kind in (t.telfixe, t.portable):
            holder = kids.get(kind)
            if holder is not None:
                phone = _get(_kids(holder), t.numtel)
                if phone:
                    break
        return name[:100], phone[:25], _get(kids, t.courriel)[:160]

    def extras(self, blocks) -> dict[str, str]:
        """Values of ``<extras info="tremplin"><extra info="key">value</extra></extras>``."""
        values = {}
        for block in blocks:
            if block.get("info") != EXTRAS_INFO:
                continue
            for extra in block.iterchildren(self.t.extra):
                values[extra.get("info", "")] = (extra.text or "").strip()
        return values

    def url(self, kids: dict, tag: str) -> str:
        holder = kids.get(tag)
        if holder is None:
            return ""
        return _get(_kids(holder), self.t.urlweb)[:400]

    # formation

    def record(self) -> FormationRecord:
        t, element, problems = self.t, self.element, self.problems
        line = element.sourceline
        kids = _kids(element)
        title = _get(kids, t.intitule_formation)
        if not title:
            problems.append(Problem(line, "intitule-formation", "élément obligatoire manquant ou vide"))
        formacodes, nsf, rome = [], [], []
        domain = kids.get(t.domaine_formation)
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
        certification_codes: list[str] = []
        actions_elements, extras_blocks, contact = [], [], None
        for child in element:
            tag = child.tag
            if tag == t.action:
                actions_elements.append(child)
            elif tag == t.certification:
                self.certification(child, certification_codes)
            elif tag == t.extras:
                extras_blocks.append(child)
            elif tag == t.contact_formation and contact is None:
                contact = child
        entry_code = self.code(kids, t.code_niveau_entree, LHEO_LEVEL_CODES, "code-niveau-entree", problems)
        exit_code = self.code(kids, t.code_niveau_sortie, LHEO_LEVEL_CODES, "code-niveau-sortie", problems)
        contact_name, contact_phone, contact_email = self.contact(contact)
        min_age: object = ABSENT
        if extras_blocks:
            extras = self.extras(extras_blocks)
            if "age-minimum-sans-niveau" in extras:
                value = extras["age-minimum-sans-niveau"]
                min_age = int(value) if value.isdigit() and int(value) < 100 else None
        fields = {
            "title": title[:255],
            "objectives": _get(kids, t.objectif_formation),
            "expected_results": _get(kids, t.resultats_attendus),
            "content": _get(kids, t.contenu_formation),
            "is_certifying": _get(kids, t.certifiante) == _TRUE,
            "certification_codes": " ".join(certification_codes)[:120],
            "formacode_codes": " ".join(formacodes[:10]),
            "nsf_codes": " ".join(nsf[:6]),
            "rome_codes": " ".join(rome[:30]),
            "entry_level": level_from_lheo(entry_code) if entry_code else None,
            "exit_level": level_from_lheo(exit_code) if exit_code else None,
            "course_type": self.code(
                kids, t.parcours_de_formation, _COURSE_TYPES, "parcours-de-formation", problems, "1"
            ),
            "general_objective": self.code(
                kids,
                t.objectif_general_formation,
                _GENERAL_OBJECTIVES,
                "objectif-general-formation",
                problems,
            ),
            "url": self.url(kids, t.url_formation),
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "contact_email": contact_email,
        }
        provider = self.provider(kids.get(t.organisme_formation_responsable), line)
        external_id = (element.get("numero") or "").strip()[:120] or stable_id(
            "f", provider.siret if provider else "", title, fields["certification_codes"]
        )
        actions = [self.action(action, external_id) for action in actions_elements]
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

    def certification(self, element, codes: list[str]) -> None:
        t = self.t
        kids = _kids(element)
        for tag, prefix in ((t.code_RNCP, "RNCP"), (t.code_RS, "RS")):
            raw = _get(kids, tag)
            if not raw:
                continue
            match = _CERTIFICATION.fullmatch(raw)
            if not match or (match.group(1) and match.group(1).upper() != prefix):
                self.problems.append(
                    Problem(element.sourceline, tag.split("}")[1], f"code invalide « {raw} »")
                )
                continue
            code = f"{prefix}{int(match.group(2))}"
            if code not in codes:
                codes.append(code)

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
        kids = _kids(element)
        siret_holder = kids.get(t.SIRET_organisme_formation)
        siret = _get(_kids(siret_holder), t.SIRET).replace(" ", "") if siret_holder is not None else ""
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
        if siret in self.seen_sirets:
            return ProviderRecord(siret=siret, fields={})
        self.seen_sirets.add(siret)
        name = _get(kids, t.nom_organisme)
        legal_name = _get(kids, t.raison_sociale)
        holder = kids.get(t.coordonnees_organisme)
        coordinates = holder.find(t.coordonnees) if holder is not None else None
        address = self.address(coordinates) if coordinates is not None else None
        _, phone, email = self.contact(coordinates)
        activity = _get(kids, t.numero_activite)
        fields = {
            "name": (name or legal_name or siret)[:250],
            "legal_name": legal_name[:250],
            "activity_number": activity if len(activity) == 11 else "",
            "address": address.text if address else "",
            "postal_code": address.postal_code[:5] if address else "",
            "city": address.city[:100] if address else "",
            "email": email if "@" in email else "",
            "phone": phone[:30],
            "website": self.url(_kids(coordinates), t.web) if coordinates is not None else "",
        }
        return ProviderRecord(siret=siret, fields=fields)

    # action

    def action(self, element, formation_id: str) -> ActionRecord:
        t = self.t
        problems: list[Problem] = []
        line = element.sourceline
        kids = {}
        sessions_elements, public_codes, funders, extras_blocks = [], [], [], []
        place_holder = None
        for child in element:
            tag = child.tag
            if tag == t.session:
                sessions_elements.append(child)
            elif tag == t.code_public_vise:
                code = _clean(child.text)
                if code:
                    public_codes.append(code)
            elif tag == t.organisme_financeur:
                code = _get(_kids(child), t.code_financeur)
                if code and code not in funders:
                    funders.append(code)
            elif tag == t.extras:
                extras_blocks.append(child)
            elif tag == t.lieu_de_formation:
                if place_holder is None:
                    place_holder = child
            else:
                kids[tag] = child
        if t.modalites_enseignement not in kids:
            problems.append(Problem(line, "modalites-enseignement", "élément obligatoire manquant"))
        mode_code = self.code(
            kids, t.modalites_enseignement, TEACHING_MODE_FROM_LHEO, "modalites-enseignement", problems
        )
        place = self.address(place_holder.find(t.coordonnees)) if place_holder is not None else None
        rhythm = _get(kids, t.rythme_formation)
        extras = self.extras(extras_blocks) if extras_blocks else {}
        schedule = extras.get("horaires", "")
        if schedule not in _SCHEDULES:
            schedule = schedule_from_text(rhythm)
        fields = {
            "teaching_mode": _TEACHING_MODES[mode_code or "0"],
            "schedule": schedule,
            "rhythm": rhythm,
            "public_codes": " ".join(public_codes[:10])[:60],
            "public_info": _get(kids, t.info_public_vise)[:250],
            "alternance_terms": _get(kids, t.modalites_alternance),
            "fees_covered": _get(kids, t.prise_en_charge_frais_possible) == _TRUE,
            "url": self.url(kids, t.url_action),
            "hours_total": self.integer(kids, t.nombre_heures_total, "nombre-heures-total", problems),
            "hours_centre": self.integer(kids, t.nombre_heures_centre, "nombre-heures-centre", problems),
            "hours_company": self.integer(
                kids, t.nombre_heures_entreprise, "nombre-heures-entreprise", problems
            ),
            "duration_text": _get(kids, t.duree_indicative)[:150],
            "price": self.decimal(kids, t.prix_total_TTC, "prix-total-TTC", problems, _MAX_PRICE),
            "hourly_price": self.decimal(
                kids, t.prix_horaire_TTC, "prix-horaire-TTC", problems, _MAX_HOURLY_PRICE
            ),
            "funders": " ".join(funders)[:100],
            "registration_info": _get(kids, t.modalites_recrutement),
            "_entry_level_required": _get(kids, t.niveau_entree_obligatoire) == _TRUE,
            "_prerequisites": _get(kids, t.conditions_specifiques),
        }
        permanent = _get(kids, t.modalites_entrees_sorties) == _TRUE
        external_id = (element.get("numero") or "").strip()[:120] or stable_id(
            "a",
            formation_id,
            place.postal_code if place else "",
            fold(place.city) if place else "",
            fold(place.text) if place else "",
            fields["teaching_mode"],
        )
        sessions = [self.session(session, external_id, permanent) for session in sessions_elements]
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
        # The hottest function of an import (one call per session): plain loops and locals.
        t = self.t
        problems: list[Problem] = []
        period = registration = state_element = None
        extras_blocks = None
        for child in element:
            tag = child.tag
            if tag == t.periode:
                period = child
            elif tag == t.adresse_inscription:
                registration = child.find(t.adresse)
            elif tag == t.etat_recrutement:
                state_element = child
            elif tag == t.extras:
                extras_blocks = [*(extras_blocks or ()), child]
        start = end = None
        if period is None:
            problems.append(
                Problem(element.sourceline, "periode", "élément obligatoire manquant : période de la session")
            )
        else:
            debut = fin = None
            for child in period:
                if child.tag == t.debut:
                    debut = child
                elif child.tag == t.fin:
                    fin = child
            text = debut.text if debut is not None else None
            # The usual AAAAMMJJ goes straight to date(); anything else, or a wrong day, to self.date.
            try:
                start = (
                    _date(int(text[:4]), int(text[4:6]), int(text[6:])) if _PLAIN_DATE(text or "") else _NO
                )
            except ValueError:
                start = _NO
            if start is _NO:
                start = self.date(debut, "debut", period, problems, end=False)
            text = fin.text if fin is not None else None
            try:
                end = _date(int(text[:4]), int(text[4:6]), int(text[6:])) if _PLAIN_DATE(text or "") else _NO
            except ValueError:
                end = _NO
            if end is _NO:
                end = self.date(fin, "fin", period, problems, end=True)
            if start and end and end < start:
                problems.append(
                    Problem(
                        period.sourceline,
                        "fin",
                        f"la session finit ({end:%d/%m/%Y}) avant de commencer ({start:%d/%m/%Y})",
                    )
                )
        state = _OPEN
        if state_element is not None:
            code = (state_element.text or "").strip()
            if code in _STATES:
                state = _STATES[code]
            elif code and not is_placeholder(code):
                problems.append(
                    Problem(state_element.sourceline, "etat-recrutement", f"code inconnu « {code} »")
                )
        address = ("", "", "")
        if registration is not None:
            # Sessions of an action usually share their registration address: read it once.
            raw = tuple((child.tag, child.text) for child in registration)
            address = self.registration_cache.get(raw)
            if address is None:
                address = self.registration_cache[raw] = self.registration_address(raw)
        places: object = ABSENT
        if extras_blocks:
            extras = self.extras(extras_blocks)
            if "places-disponibles" in extras:
                value = extras["places-disponibles"]
                places = int(value) if value.isdigit() and len(value) < 7 else None
        external_id = (element.get("numero") or "").strip()[:120] or stable_id(
            "s", action_id, str(start or ""), str(end or "")
        )
        values = (start, end, permanent, state, *address)
        return SessionRecord(external_id, element.sourceline, values, places, problems)

    def registration_address(self, children: tuple) -> tuple[str, str, str]:
        """(lines, postal code, town) of an ``<adresse>`` given as (tag, text) pairs."""
        t = self.t
        lines, postal_code, city = [], "", ""
        for tag, text in children:
            if tag == t.ligne:
                line = _clean(text)
                if line:
                    lines.append(line)
            elif tag == t.codepostal:
                postal_code = (text or "").replace(" ", "").strip()[:5]
            elif tag == t.ville:
                city = _clean(text)[:100]
        return "\n".join(lines), postal_code, city

    @staticmethod
    def date(holder, name: str, period, problems: list[Problem], *, end: bool):
        if holder is None:
            problems.append(Problem(period.sourceline, name, "élément obligatoire manquant"))
            return None
        value = holder.text or ""
        if len(value) == 8 and value.isdigit() and value[4:6] != "00" and value[6:] != "00":
            try:  # the usual AAAAMMJJ, without the general parser's checks
                return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
            except ValueError:
                pass
        try:
            return parse_date(value, end=end)
        except DateFormatError as exc:
            problems.append(Problem(holder.sourceline, name, str(exc)))
            return None


_PLAIN_DATE = re.compile(r"\d{4}(?!00)\d{2}(?!00)\d{2}").fullmatch
_date = datetime.date
_NO = object()
_COURSE_TYPES = frozenset("1234")
_GENERAL_OBJECTIVES = frozenset("123456789")
_SCHEDULES = frozenset(ScheduleType.values)
_TEACHING_MODES = {code: mode.value for code, mode in TEACHING_MODE_FROM_LHEO.items()}
_STATES = {code: state.value for code, state in REGISTRATION_STATE_FROM_LHEO.items()}
_OPEN = RegistrationState.OPEN.value
_MAX_PRICE = Decimal("1e8")
_MAX_HOURLY_PRICE = Decimal("1e6")


@lru_cache(maxsize=1024)
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
