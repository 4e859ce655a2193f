"""One LHEO file into the catalogue, in one transaction: what ``import_lheo`` does, callable from a page.

A file that cannot be read raises :class:`LheoFileError`; a file with per-record errors (unless
``skip_invalid``) or out of the uploader's scope is rolled back and its result says why.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from tremplin.catalog.lheo.importer import LheoImporter
from tremplin.catalog.lheo.reader import LheoReader
from tremplin.utils.importing import ImportReport


@dataclass
class LheoImportResult:
    file_name: str
    version: str
    imported: bool  # false: nothing was written
    report: ImportReport
    levels: list[str] = field(default_factory=list)  # "formations : 1 créées, …"


def lheo_import(
    *,
    path: Path,
    display_name: str,
    skip_invalid: bool = False,
    allowed_site_ids: frozenset[int] | None = None,
) -> LheoImportResult:
    reader = LheoReader(path, display_name=display_name)
    version = reader.check()
    report = ImportReport()
    importer = LheoImporter(
        report=report,
        file_name=display_name,
        skip_invalid=skip_invalid,
        allowed_site_ids=allowed_site_ids,
    )
    with transaction.atomic():
        importer.run(reader.formations())
        imported = not (importer.failed or (report.errors and not skip_invalid))
        if not imported:
            transaction.set_rollback(True)
    return LheoImportResult(
        file_name=display_name,
        version=version,
        imported=imported,
        report=report,
        levels=importer.summary_lines(),
    )
