"""Import of the Cnam network (regional centres and teaching sites) from a CSV file.

Format: UTF-8, separated by ``;``, with exactly these columns (in any order)::

    code;nom;type;centre_regional;code_insee;adresse;courriel;au_coeur_des_territoires

- ``code``: the centre's code, unique among all organisations (letters, digits, ``-``, ``_``, ``.``);
- ``nom``: its name;
- ``type``: ``centre_regional`` or ``site``;
- ``centre_regional``: for a site, the code of its regional centre, either in the same file (before or
  after) or already imported; empty for a regional centre;
- ``code_insee``: the INSEE code of its commune (the communes must be imported first);
- ``adresse``, ``courriel``: optional;
- ``au_coeur_des_territoires``: ``oui`` or ``non`` (empty means ``non``).

The code is the key: a second run with the same file changes nothing.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tremplin.network.enums import CnamSiteKind
from tremplin.network.files import csv_records, read_text
from tremplin.network.models import CnamSite, Organisation
from tremplin.territories.models import Commune
from tremplin.utils.importing import ImportReport

COLUMNS = (
    "code",
    "nom",
    "type",
    "centre_regional",
    "code_insee",
    "adresse",
    "courriel",
    "au_coeur_des_territoires",
)
KINDS = {"centre_regional": CnamSiteKind.REGIONAL_CENTRE, "site": CnamSiteKind.SITE}
FLAGS = {"oui": True, "non": False, "": False}
# Codes appear in page addresses (/reseau/organisations/<code>/): no spaces or slashes.
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass
class SiteRecord:
    location: str
    code: str
    name: str
    site_kind: str
    parent_code: str
    insee_code: str
    address: str
    email: str
    au_coeur_des_territoires: bool


def read_sites(path: Path, report: ImportReport) -> list[SiteRecord]:
    """Parse and check the file; per-record problems go to ``report``, a bad file raises FileRefused."""
    text = read_text(path)
    records, lines_by_code = [], {}
    communes = set(Commune.objects.values_list("insee_code", flat=True))
    for line, row in csv_records(path.name, text, required=COLUMNS):
        location = f"{path.name}, ligne {line}"
        errors_before = len(report.errors)
        code, name, kind_text = row["code"], row["nom"], row["type"].lower()
        if not code:
            report.error(location, "code", "le code est vide.")
        elif not CODE_PATTERN.fullmatch(code):
            report.error(
                location,
                "code",
                f"« {code} » : seuls les lettres, chiffres, « - », « _ » et « . » sont permis.",
            )
        elif code in lines_by_code:
            report.error(location, "code", f"le code {code} figure déjà à la ligne {lines_by_code[code]}.")
        else:
            lines_by_code[code] = line
        _check_length(report, location, "code", code, "code")
        if not name:
            report.error(location, "nom", "le nom est vide.")
        _check_length(report, location, "nom", name, "name")
        _check_length(report, location, "adresse", row["adresse"], "address")
        kind = KINDS.get(kind_text)
        if kind is None:
            report.error(
                location, "type", f"« {row['type']} » : valeurs possibles « centre_regional » ou « site »."
            )
        parent_code = row["centre_regional"]
        if kind == CnamSiteKind.SITE and not parent_code:
            report.error(location, "centre_regional", "un site doit indiquer le code de son centre régional.")
        elif kind == CnamSiteKind.REGIONAL_CENTRE and parent_code:
            report.error(
                location,
                "centre_regional",
                "un centre régional ne dépend pas d'un autre centre : laissez vide.",
            )
        elif parent_code and parent_code == code:
            report.error(
                location, "centre_regional", "un centre ne peut pas être son propre centre régional."
            )
        insee_code = row["code_insee"].upper()
        if not insee_code:
            report.error(location, "code_insee", "le code INSEE de la commune est vide.")
        elif insee_code not in communes:
            report.error(location, "code_insee", f"aucune commune n'a le code INSEE « {row['code_insee']} ».")
        email = row["courriel"]
        if email:
            try:
                validate_email(email)
            except ValidationError:
                report.error(location, "courriel", f"« {email} » n'est pas une adresse électronique valide.")
        flag = row["au_coeur_des_territoires"].lower()
        if flag not in FLAGS:
            report.error(
                location,
                "au_coeur_des_territoires",
                f"« {row['au_coeur_des_territoires']} » : attendu « oui » ou « non ».",
            )
        if len(report.errors) == errors_before:
            records.append(
                SiteRecord(
                    location, code, name, kind, parent_code, insee_code, row["adresse"], email, FLAGS[flag]
                )
            )
    return records


def _check_length(report: ImportReport, location: str, column: str, value: str, model_field: str) -> None:
    max_length = CnamSite._meta.get_field(model_field).max_length
    if len(value) > max_length:
        report.error(location, column, f"{len(value)} caractères, {max_length} au plus.")


def upsert_sites(records: list[SiteRecord], report: ImportReport, *, is_demo: bool = False) -> None:
    """Create or update the centres, regional centres first so that sites can point to them."""
    existing = {
        organisation.code: organisation
        for organisation in Organisation.objects.filter(code__in=[r.code for r in records]).select_related(
            "cnamsite"
        )
    }
    centres_in_file = {r.code for r in records if r.site_kind == CnamSiteKind.REGIONAL_CENTRE}
    other_parents = {r.parent_code for r in records if r.parent_code and r.parent_code not in centres_in_file}
    stored_parents = (
        Organisation.objects.filter(code__in=other_parents)
        .select_related("cnamsite")
        .in_bulk(field_name="code")
    )
    valid = []
    for record in records:
        organisation = existing.get(record.code)
        if organisation and getattr(organisation, "cnamsite", None) is None:
            report.error(
                record.location,
                "code",
                f"le code {record.code} est déjà celui de « {organisation.name} » ({organisation.get_kind_display()}).",
            )
            continue
        if record.parent_code and record.parent_code not in centres_in_file:
            parent = stored_parents.get(record.parent_code)
            if parent is None:
                report.error(
                    record.location,
                    "centre_regional",
                    f"centre régional « {record.parent_code} » inconnu : ni dans le fichier, ni déjà importé.",
                )
                continue
            if (
                getattr(parent, "cnamsite", None) is None
                or parent.cnamsite.site_kind != CnamSiteKind.REGIONAL_CENTRE
            ):
                report.error(
                    record.location,
                    "centre_regional",
                    f"« {record.parent_code} » ({parent.name}) n'est pas un centre régional du Cnam.",
                )
                continue
        valid.append(record)
    if report.errors:
        return  # nothing will be written: do not spend time saving

    parents_by_code: dict[str, CnamSite] = {
        code: organisation.cnamsite for code, organisation in stored_parents.items()
    }
    ordered = sorted(valid, key=lambda r: r.site_kind != CnamSiteKind.REGIONAL_CENTRE)
    for record in ordered:
        values = {
            "name": record.name,
            "site_kind": record.site_kind,
            "parent_id": parents_by_code[record.parent_code].pk if record.parent_code else None,
            "commune_id": record.insee_code,
            "address": record.address,
            "email": record.email,
            "au_coeur_des_territoires": record.au_coeur_des_territoires,
            "is_demo": is_demo,
        }
        organisation = existing.get(record.code)
        site = organisation.cnamsite if organisation else None
        if site is None:
            site = CnamSite.objects.create(code=record.code, **values)
            report.count("created")
        elif any(getattr(site, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(site, name, value)
            site.save()
            report.count("updated")
        else:
            report.count("unchanged")
        if record.site_kind == CnamSiteKind.REGIONAL_CENTRE:
            parents_by_code[record.code] = site
