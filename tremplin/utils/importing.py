"""What every import command shares: options, a summary, per-record errors with their location,
and one transaction so that a failed or dry run leaves the database as it was."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class ImportAbort(Exception):
    """Raised by an importer to stop the whole run; nothing is written."""


class _DryRunRollback(Exception):
    pass


@dataclass
class RecordError:
    location: str  # e.g. "communes.csv, ligne 12" or "offre.xml, ligne 40, colonne 3"
    field: str
    message: str

    def __str__(self):
        where = f"{self.location}, champ « {self.field} »" if self.field else self.location
        return f"{where} : {self.message}"


@dataclass
class ImportReport:
    counts: Counter = field(default_factory=Counter)
    errors: list[RecordError] = field(default_factory=list)
    skipped_reasons: Counter = field(default_factory=Counter)

    def count(self, outcome: str, n: int = 1):
        self.counts[outcome] += n

    def skip(self, reason: str):
        self.counts["skipped"] += 1
        self.skipped_reasons[reason] += 1

    def error(self, location: str, field: str, message: str):
        self.errors.append(RecordError(location, field, message))

    @property
    def changed(self) -> bool:
        return bool(self.counts["created"] or self.counts["updated"] or self.counts["deleted"])

    def summary_lines(self) -> list[str]:
        labels = [
            ("created", "créés"),
            ("updated", "mis à jour"),
            ("unchanged", "inchangés"),
            ("deleted", "supprimés"),
            ("skipped", "ignorés"),
        ]
        lines = [", ".join(f"{self.counts[key]} {label}" for key, label in labels)]
        lines += [f"  ignoré ({n}) : {reason}" for reason, n in self.skipped_reasons.most_common()]
        return lines


class ImportCommand(BaseCommand):
    """Base for import commands: subclasses implement ``run(report, **options)``.

    The run happens in one transaction. Per-record errors abort the run (nothing written) unless
    the command accepts ``--skip-invalid``; ``--dry-run`` does everything then rolls back.
    """

    allow_skip_invalid = False

    def create_parser(self, *args, **kwargs):
        parser = super().create_parser(*args, **kwargs)
        parser.add_argument(
            "--dry-run", action="store_true", help="tout lire et vérifier, sans rien enregistrer"
        )
        if self.allow_skip_invalid:
            parser.add_argument(
                "--skip-invalid",
                action="store_true",
                help="enregistrer les enregistrements valides et lister ceux qui sont ignorés",
            )
        return parser

    def run(self, report: ImportReport, **options) -> None:
        raise NotImplementedError

    def handle(self, *args, **options):
        report = ImportReport()
        dry_run = options["dry_run"]
        skip_invalid = options.get("skip_invalid", False)
        try:
            with transaction.atomic():
                self.run(report, **options)
                if report.errors and not skip_invalid:
                    raise ImportAbort(f"{len(report.errors)} erreur(s) : rien n'a été enregistré.")
                if dry_run:
                    raise _DryRunRollback
        except _DryRunRollback:
            pass
        except ImportAbort as exc:
            self._print_errors(report)
            raise CommandError(str(exc)) from None
        self._print_errors(report)
        for line in report.summary_lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Simulation (--dry-run) : rien n'a été enregistré.")
        elif not report.changed:
            self.stdout.write("Aucun changement : les données étaient déjà à jour.")
        self.after_import(report, dry_run=dry_run)
        return None

    def after_import(self, report: ImportReport, *, dry_run: bool) -> None:
        """Hook for work after commit, such as invalidating an in-memory index."""

    def _print_errors(self, report: ImportReport):
        for error in report.errors[:200]:
            self.stderr.write(str(error))
        if len(report.errors) > 200:
            self.stderr.write(f"… et {len(report.errors) - 200} autres erreurs.")
