"""Import of the missions locales referential (i-milo structures) and location of their seat commune.

Two input formats, told apart by the file extension (``.json`` / ``.csv``) or, for another
extension, by the content:

- the i-milo structures referential as JSON: a list of objects with ``id`` (structure code
  ``NNNNNS00``), ``nom_officiel`` (``"DD-ML CITY"``), ``nom_usuel``, ``code_departement``,
  ``code_region`` (other keys are ignored);
- a CSV in UTF-8 separated by ``;`` with the header ``code;nom;nom_officiel;code_insee;adresse;courriel;telephone``
  (``code`` and ``nom`` are required, the other columns optional, no other column allowed):
  ``code`` the i-milo structure code, ``nom`` the usual name, ``nom_officiel`` the official
  i-milo name, ``code_insee`` the seat commune (empty: located as for the JSON file), ``adresse``,
  ``courriel``, ``telephone``.

The seat commune is located, in order: by the CSV ``code_insee`` when given; by the first five
characters of the structure code, an INSEE code (a Paris, Lyon or Marseille arrondissement code falls
back to its commune when arrondissements are not loaded); by the city of the official name
``"DD-ML CITY"`` looked up among the communes of that département. A structure that cannot be located
is still imported, without commune, with the département and région of the file when they are known.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tremplin.network.files import FileRefused, csv_records, read_text
from tremplin.network.models import MissionLocale, Organisation
from tremplin.territories.lookup import normalize_name
from tremplin.territories.models import Commune, Department, Region
from tremplin.utils.importing import ImportReport

CSV_REQUIRED = ("code", "nom")
CSV_OPTIONAL = ("nom_officiel", "code_insee", "adresse", "courriel", "telephone")
CODE_PATTERN = re.compile(r"\d[\dAB]\d{3}S\d{2}")
# "13-ML BERRE L ETANG", "69–ML RILLIEUX LA PAPE", "11-MLI ..." : département, then the city.
OFFICIAL_NAME_PATTERN = re.compile(r"\s*(?P<department>\d[\dAB]\d?)\s*[-–—]\s*ML\w*\s+(?P<city>.+?)\s*", re.I)
ARTICLES = {"le", "la", "les", "l", "aux", "las", "los"}


@dataclass
class StructureRecord:
    location: str
    code: str
    name: str
    official_name: str = ""
    insee_code: str = ""  # given explicitly by a CSV file
    department_code: str = ""  # as stated by the file
    region_code: str = ""
    # Columns the file carries beyond names (only the CSV has them); others are left as they are.
    extra: dict[str, str] = field(default_factory=dict)


METHOD_LABELS = {
    "code_insee": "par la colonne code_insee",
    "code": "par le code de structure",
    "arrondissement": "par le code de structure (arrondissement rapporté à sa commune)",
    "nom officiel": "par le nom officiel",
}


@dataclass
class Location:
    commune: Commune | None
    method: str = ""  # "code", "arrondissement", "nom officiel", "code_insee"
    reason: str = ""  # why it could not be located


def read_structures(path: Path, report: ImportReport) -> list[StructureRecord]:
    """Parse the file into records; per-record problems go to ``report``, a bad file raises FileRefused."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xls", ".ods"}:
        raise FileRefused(
            f"{path.name} : format non reconnu ; enregistrez le classeur au format « CSV UTF-8 » séparé par « ; »."
        )
    text = read_text(path)
    if suffix == ".json" or (suffix != ".csv" and text.lstrip()[:1] in ("[", "{")):
        records = _read_json(path.name, text, report)
    elif suffix == ".csv" or _looks_like_csv(text):
        records = _read_csv(path.name, text, report)
    else:
        raise FileRefused(
            f"{path.name} : format non reconnu ; attendu le référentiel des structures i-milo en JSON (.json) "
            f"ou un CSV (.csv) séparé par « ; » avec l'en-tête {';'.join(CSV_REQUIRED + CSV_OPTIONAL)}."
        )
    return _without_duplicates(records, report)


def _looks_like_csv(text: str) -> bool:
    header = text.lstrip().split("\n", 1)[0].lower()
    return ";" in header and "code" in header


def _read_json(name: str, text: str, report: ImportReport) -> list[StructureRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRefused(
            f"{name}, ligne {exc.lineno}, colonne {exc.colno} : JSON invalide ({exc.msg})."
        ) from None
    if not isinstance(data, list):
        raise FileRefused(f'{name} : une liste de structures i-milo est attendue ([{{"id": …}}, …]).')
    if data and not any(isinstance(item, dict) and "id" in item and "nom_officiel" in item for item in data):
        raise FileRefused(
            f"{name} : ce JSON n'est pas le référentiel des structures i-milo "
            "(chaque structure doit avoir les champs « id » et « nom_officiel »)."
        )
    records = []
    for number, item in enumerate(data, start=1):
        location = f"{name}, structure n° {number}"
        if not isinstance(item, dict):
            report.error(location, "", "un objet JSON est attendu.")
            continue
        code = _text(item.get("id"))
        if code:
            location += f" ({code})"
        official_name = _text(item.get("nom_officiel"))
        record = StructureRecord(
            location=location,
            code=code,
            name=_text(item.get("nom_usuel")) or official_name,
            official_name=official_name,
            department_code=_text(item.get("code_departement")),
            region_code=_text(item.get("code_region")),
        )
        if _validate(record, report, code_field="id", name_field="nom_usuel"):
            records.append(record)
    return records


def _read_csv(name: str, text: str, report: ImportReport) -> list[StructureRecord]:
    records = []
    for line, row in csv_records(name, text, required=CSV_REQUIRED, optional=CSV_OPTIONAL):
        extra = {
            model_field: row[column]
            for column, model_field in (("adresse", "address"), ("courriel", "email"), ("telephone", "phone"))
            if column in row
        }
        record = StructureRecord(
            location=f"{name}, ligne {line}",
            code=row["code"],
            name=row["nom"],
            official_name=row.get("nom_officiel", ""),
            insee_code=row.get("code_insee", "").upper(),
            extra=extra,
        )
        if _validate(record, report, code_field="code", name_field="nom"):
            records.append(record)
    return records


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _validate(record: StructureRecord, report: ImportReport, *, code_field: str, name_field: str) -> bool:
    errors_before = len(report.errors)
    if not record.code:
        report.error(record.location, code_field, "le code de la structure est vide.")
    elif not CODE_PATTERN.fullmatch(record.code):
        report.error(
            record.location,
            code_field,
            f"« {record.code} » n'est pas un code de structure i-milo (forme NNNNNS00).",
        )
    if not record.name:
        report.error(record.location, name_field, "le nom est vide.")
    for value, model_field, label in (
        (record.name, "name", name_field),
        (record.official_name, "official_name", "nom_officiel"),
        (record.extra.get("address", ""), "address", "adresse"),
        (record.extra.get("phone", ""), "phone", "telephone"),
    ):
        max_length = MissionLocale._meta.get_field(model_field).max_length
        if len(value) > max_length:
            report.error(record.location, label, f"{len(value)} caractères, {max_length} au plus.")
    email = record.extra.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            report.error(
                record.location, "courriel", f"« {email} » n'est pas une adresse électronique valide."
            )
    return len(report.errors) == errors_before


def _without_duplicates(records: list[StructureRecord], report: ImportReport) -> list[StructureRecord]:
    first_seen: dict[str, StructureRecord] = {}
    for record in records:
        if record.code in first_seen:
            report.error(
                record.location,
                "code",
                f"le code {record.code} figure déjà plus haut ({first_seen[record.code].location}).",
            )
        else:
            first_seen[record.code] = record
    return list(first_seen.values())


def _arrondissement_commune(code: str) -> str | None:
    """The commune of a Paris, Lyon or Marseille municipal arrondissement code (75101…75120, 69381…69389,
    13201…13216)."""
    if not code.isdigit():
        return None
    number = int(code)
    if 75101 <= number <= 75120:
        return "75056"
    if 69381 <= number <= 69389:
        return "69123"
    if 13201 <= number <= 13216:
        return "13055"
    return None


def _strip_article(folded: str) -> str:
    words = folded.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0] in ARTICLES else folded


class SeatLocator:
    """Finds the seat commune of a structure; loads what it needs once per import."""

    def __init__(self):
        self.communes = Commune.objects.only("insee_code", "name", "department_id", "population").in_bulk()
        self.departments = set(Department.objects.values_list("code", flat=True))
        self._names_by_department: dict[str, list[tuple[str, Commune]]] = {}

    def locate(self, record: StructureRecord) -> Location:
        if record.insee_code:
            return Location(self.communes[record.insee_code], "code_insee")
        if not self.communes:
            return Location(None, reason="aucune commune n'est chargée (lancez d'abord import_communes)")
        prefix = record.code[:5]
        if prefix in self.communes:
            return Location(self.communes[prefix], "code")
        parent = _arrondissement_commune(prefix)
        if parent and parent in self.communes:
            return Location(self.communes[parent], "arrondissement")
        return self._locate_by_official_name(record, f"{prefix} n'est le code d'aucune commune connue")

    def _locate_by_official_name(self, record: StructureRecord, why_not_code: str) -> Location:
        match = OFFICIAL_NAME_PATTERN.fullmatch(record.official_name)
        if not match:
            return Location(
                None,
                reason=f"{why_not_code}, et le nom officiel « {record.official_name} » n'a pas la forme "
                "« DD-ML COMMUNE »",
            )
        department, city = match["department"].upper(), match["city"]
        if department not in self.departments:
            return Location(None, reason=f"{why_not_code}, et le département {department} est inconnu")
        wanted = _strip_article(normalize_name(city))
        names = self._names(department)
        exact = [commune for folded, commune in names if folded == wanted]
        # "CHERBOURG" for Cherbourg-en-Cotentin: a commune renamed or merged keeps its old name as prefix.
        candidates = exact or [commune for folded, commune in names if folded.startswith(wanted + " ")]
        if not candidates:
            return Location(
                None, reason=f"{why_not_code}, et aucune commune « {city} » dans le département {department}"
            )
        if len(candidates) > 1 and not exact:
            listed = ", ".join(f"{c.name} ({c.insee_code})" for c in candidates[:5])
            return Location(
                None, reason=f"{why_not_code}, et « {city} » peut désigner plusieurs communes : {listed}"
            )
        # Homonyms in one département are rare; the most populated is the likely seat.
        return Location(max(candidates, key=lambda c: c.population), "nom officiel")

    def _names(self, department: str) -> list[tuple[str, Commune]]:
        if department not in self._names_by_department:
            self._names_by_department[department] = [
                (_strip_article(normalize_name(commune.name)), commune)
                for commune in self.communes.values()
                if commune.department_id == department
            ]
        return self._names_by_department[department]


@dataclass
class LocationSummary:
    total: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    unlocated: list[tuple[StructureRecord, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        located = self.total - len(self.unlocated)
        details = ", ".join(f"{n} {METHOD_LABELS[method]}" for method, n in sorted(self.by_method.items()))
        lines = [
            f"Commune du siège trouvée pour {located} structure(s) sur {self.total}"
            + (f" ({details})." if details else ".")
        ]
        if self.unlocated:
            lines.append(
                f"Siège non localisé pour {len(self.unlocated)} structure(s), importée(s) sans commune :"
            )
            lines += [
                f"  {record.code} « {record.official_name or record.name} » : {reason}."
                for record, reason in self.unlocated
            ]
        return lines


def upsert_structures(records: list[StructureRecord], report: ImportReport) -> LocationSummary:
    """Create or update one MissionLocale per record (keyed on the structure code)."""
    locator = SeatLocator()
    regions = Region.objects.in_bulk()
    departments = Department.objects.in_bulk()
    existing = {
        organisation.code: organisation
        for organisation in Organisation.objects.filter(code__in=[r.code for r in records]).select_related(
            "missionlocale"
        )
    }
    summary = LocationSummary(total=len(records))
    changes = []
    for record in records:
        organisation = existing.get(record.code)
        mission_locale = getattr(organisation, "missionlocale", None) if organisation else None
        if organisation and mission_locale is None:
            report.error(
                record.location,
                "code",
                f"le code {record.code} est déjà celui de « {organisation.name} » ({organisation.get_kind_display()}).",
            )
            continue
        if record.insee_code and record.insee_code not in locator.communes:
            report.error(
                record.location, "code_insee", f"aucune commune n'a le code INSEE {record.insee_code}."
            )
            continue
        location = locator.locate(record)
        if location.commune:
            summary.by_method[location.method] = summary.by_method.get(location.method, 0) + 1
            department = departments.get(location.commune.department_id)
            region_id = department.region_id if department else None
            department_id = location.commune.department_id
        else:
            summary.unlocated.append((record, location.reason))
            department_id = _known_department(record, departments)
            region_id = record.region_code if record.region_code in regions else None
            if region_id is None and department_id:
                region_id = departments[department_id].region_id
        values = {
            "name": record.name,
            "official_name": record.official_name,
            "commune_id": location.commune.pk if location.commune else None,
            "department_id": department_id,
            "region_id": region_id,
            "is_demo": False,
            **record.extra,
        }
        changes.append((record, mission_locale, values))
    if report.errors:
        return summary  # nothing will be written
    for record, mission_locale, values in changes:
        if mission_locale is None:
            MissionLocale.objects.create(code=record.code, **values)
            report.count("created")
        elif any(getattr(mission_locale, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(mission_locale, name, value)
            mission_locale.save()
            report.count("updated")
        else:
            report.count("unchanged")
    return summary


def _known_department(record: StructureRecord, departments: dict) -> str | None:
    if record.department_code in departments:
        return record.department_code
    match = OFFICIAL_NAME_PATTERN.fullmatch(record.official_name)
    if match and match["department"].upper() in departments:
        return match["department"].upper()
    return None
