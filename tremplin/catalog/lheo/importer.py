"""Upsert of LHEO records into the catalogue, in batches.

Each batch costs a fixed number of queries per level (formation, action, session): one to read the
stored rows by identifier, one bulk insert, one bulk update of what changed, one to stamp the
unchanged rows with the run's id. Lookups (providers, certifications, communes, Cnam sites) are
cached for the run. Nothing grows with the file except counters.

Duplicate identifiers: within a batch, a dict tells; across batches, a stored row already stamped
with this run's id (``last_import``) was read earlier in the same file.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from tremplin.catalog.bulk import insert_rows, update_rows
from tremplin.catalog.lheo.reader import (
    ABSENT,
    REGISTRATION_ADDRESS,
    REGISTRATION_CITY,
    REGISTRATION_POSTAL_CODE,
    ActionRecord,
    FormationRecord,
    Problem,
)
from tremplin.catalog.models import (
    CatalogImport,
    Certification,
    Training,
    TrainingAction,
    TrainingProvider,
    TrainingSession,
)
from tremplin.catalog.places import PlaceResolver
from tremplin.catalog.services import catalog_changed, training_search_text
from tremplin.catalog.text import fold
from tremplin.network.models import CnamSite
from tremplin.utils.importing import ImportReport

TRAINING_FIELDS = (
    "provider_id",
    "title",
    "objectives",
    "expected_results",
    "content",
    "is_certifying",
    "certification_id",
    "certification_codes",
    "formacode_codes",
    "nsf_codes",
    "rome_codes",
    "entry_level",
    "entry_level_required",
    "min_age_without_level",
    "exit_level",
    "prerequisites",
    "course_type",
    "general_objective",
    "url",
    "contact_name",
    "contact_phone",
    "contact_email",
    "search_text",
)
ACTION_FIELDS = (
    "training_id",
    "teaching_mode",
    "schedule",
    "rhythm",
    "public_codes",
    "public_info",
    "alternance_terms",
    "fees_covered",
    "place_name",
    "address",
    "postal_code",
    "city",
    "commune_id",
    "latitude",
    "longitude",
    "cnam_site_id",
    "url",
    "hours_total",
    "hours_centre",
    "hours_company",
    "duration_text",
    "price",
    "hourly_price",
    "funders",
    "registration_info",
)
SESSION_FIELDS = (
    "action_id",
    "start_date",
    "end_date",
    "permanent_entry",
    "registration_state",
    "places_available",
    "registration_address",
    "registration_postal_code",
    "registration_city",
)
PROVIDER_FIELDS = (
    "name",
    "legal_name",
    "activity_number",
    "address",
    "postal_code",
    "city",
    "email",
    "phone",
    "website",
)
CNAM_NAMES = ("conservatoire national des arts et metiers", "cnam")
PREPARED = frozenset({"updated_at"})
PICK_TRAINING = itemgetter(*TRAINING_FIELDS)
PICK_ACTION = itemgetter(*ACTION_FIELDS)
KEEP_MIN_AGE = (TRAINING_FIELDS.index("min_age_without_level"),)
KEEP_PLACES = (SESSION_FIELDS.index("places_available"),)
BATCH_SESSIONS = 2000
BATCH_FORMATIONS = 500


def with_external_ids(model, external_ids: list[str]):
    """``model.objects.filter(external_id__in=external_ids)`` without the ORM's per-value preparation,
    which costs more than the query for the thousands of identifiers of a batch (they are strings
    already). The SQL is a plain, portable IN list."""
    quote = connection.ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(model._meta.get_field('external_id').column)}"
    placeholders = ", ".join(["%s"] * len(external_ids))
    condition = RawSQL(f"{column} IN ({placeholders})", external_ids, output_field=BooleanField())
    return model.objects.filter(condition).order_by()


def looks_like_cnam(*names: str) -> bool:
    """A first guess for a provider never seen before; staff can correct ``is_cnam`` afterwards."""
    for name in names:
        words = fold(name)
        if CNAM_NAMES[0] in words or CNAM_NAMES[1] in words.split():
            return True
    return False


@dataclass
class _Level:
    """What one level of the hierarchy needs to be upserted."""

    model: type
    fields: tuple[str, ...]
    label: str  # French, for messages: "formation", "action", "session"


LEVELS = {
    "training": _Level(Training, TRAINING_FIELDS, "formation"),
    "action": _Level(TrainingAction, ACTION_FIELDS, "action"),
    "session": _Level(TrainingSession, SESSION_FIELDS, "session"),
}


class LheoImporter:
    def __init__(
        self,
        *,
        report: ImportReport,
        file_name: str,
        cnam_only: bool = False,
        skip_invalid: bool = False,
        cnam_sirets: frozenset[str] = frozenset(),
        batch_sessions: int = BATCH_SESSIONS,
        allowed_site_ids: frozenset[int] | None = None,
    ):
        self.report = report
        self.file_name = file_name
        self.cnam_only = cnam_only
        self.skip_invalid = skip_invalid
        self.cnam_sirets = cnam_sirets
        self.batch_sessions = batch_sessions
        # A regional administrator's upload: every action written, and every stored row it would
        # change, must belong to one of these Cnam sites; anything else refuses the whole file.
        self.allowed_site_ids = allowed_site_ids
        self.counts: dict[str, Counter] = {level: Counter() for level in LEVELS}
        self.places = PlaceResolver()
        self.providers: dict[str, tuple[int, bool]] = {}  # siret -> (pk, is_cnam)
        self.provider_fields: dict[str, dict] = {}  # siret -> details read, until the provider is written
        self.certifications: dict[str, int | None] = {}
        self.site_codes: dict[str, int] | None = None
        self.failed = False  # an error without --skip-invalid: keep reading to list errors, stop writing
        self.run_id: int | None = None
        self.now = timezone.now()

    # -- driving ---------------------------------------------------------------------------------------

    def run(self, records, progress: Callable[[int], None] | None = None) -> None:
        self.run_id = CatalogImport.objects.create(source="lheo", file_name=self.file_name[:500]).pk
        batch: list[tuple[FormationRecord, int]] = []
        sessions_in_batch = 0
        for record in records:
            provider = self.accept(record)
            if provider is None:
                continue
            batch.append((record, provider))
            sessions_in_batch += sum(len(action.sessions) for action in record.actions)
            if sessions_in_batch >= self.batch_sessions or len(batch) >= BATCH_FORMATIONS:
                self.flush(batch)
                batch, sessions_in_batch = [], 0
        self.flush(batch)
        for counts in self.counts.values():
            for outcome in ("created", "updated", "unchanged"):
                self.report.count(outcome, counts[outcome])
        if not self.failed and any(
            self.counts[key]["created"] + self.counts[key]["updated"] for key in LEVELS
        ):
            catalog_changed()
        CatalogImport.objects.filter(pk=self.run_id).update(summary="\n".join(self.summary_lines()))

    def summary_lines(self) -> list[str]:
        lines = []
        for key, level in LEVELS.items():
            counts = self.counts[key]
            lines.append(
                f"{level.label}s : {counts['created']} créées, {counts['updated']} mises à jour, "
                f"{counts['unchanged']} inchangées, {counts['skipped']} ignorées"
            )
        return lines

    def problem(self, line: int | None, field: str, message: str, context: str = "") -> None:
        where = f"{self.file_name}, ligne {line}" if line else self.file_name
        if context:
            where = f"{where} ({context})"
        self.report.error(where, field, message)
        if not self.skip_invalid:
            self.failed = True

    def forbidden(self, line: int | None, field: str, message: str, context: str = "") -> None:
        """Out of the uploader's scope: the run fails even with ``skip_invalid``."""
        self.problem(line, field, message, context)
        self.failed = True

    def check_scope(self, key: str, rows: list[tuple], stored: dict) -> None:
        """Refuse to change stored rows attached to Cnam sites outside ``allowed_site_ids``."""
        pks = {stored[row[0]][0]: row for row in rows if row[0] in stored}
        if not pks:
            return
        allowed = self.allowed_site_ids
        if key == "training":
            outside = TrainingAction.objects.filter(training_id__in=pks).exclude(cnam_site_id__in=allowed)
            found = set(outside.values_list("training_id", flat=True))
        elif key == "action":
            found = set(
                TrainingAction.objects.filter(pk__in=pks)
                .exclude(cnam_site_id__in=allowed)
                .values_list("pk", flat=True)
            )
        else:
            found = set(
                TrainingSession.objects.filter(pk__in=pks)
                .exclude(action__cnam_site_id__in=allowed)
                .values_list("pk", flat=True)
            )
        label = LEVELS[key].label
        for pk in sorted(found):
            external_id, line = pks[pk][0], pks[pk][1]
            self.forbidden(
                line,
                "numero",
                f"la {label} « {external_id} » existe déjà et concerne un centre hors de votre région : "
                "seule l'équipe d'exploitation peut la modifier",
            )

    def problems(self, problems: list[Problem], context: str) -> bool:
        for problem in problems:
            self.problem(problem.line, problem.field, problem.message, context)
        return bool(problems)

    def accept(self, record: FormationRecord) -> int | None:
        """Check a formation read from the file; return its provider's id, or None to skip it."""
        context = f"formation « {record.external_id} »"
        if record.provider is not None and record.provider.fields:
            # The reader gives a provider's details once per file: keep them even if this formation is invalid.
            self.provider_fields.setdefault(record.provider.siret, record.provider.fields)
        if self.problems(record.problems, context):
            self.skip_formation(record, "formation invalide (voir les erreurs)")
            return None
        pk, is_cnam = self.provider(record)
        if self.cnam_only and not is_cnam:
            self.skip_formation(record, "formation d'un organisme hors Cnam (--cnam-only)")
            return None
        kept_actions = []
        for action in record.actions:
            action_context = f"action « {action.external_id} »"
            if self.problems(action.problems, action_context):
                self.skip_action(action, "action invalide (voir les erreurs)")
                continue
            valid_sessions = []
            for session in action.sessions:
                if self.problems(session.problems, f"session « {session.external_id} »"):
                    self.counts["session"]["skipped"] += 1
                    self.report.skip("session invalide (voir les erreurs)")
                else:
                    valid_sessions.append(session)
            action.sessions = valid_sessions
            kept_actions.append(action)
        record.actions = kept_actions
        return pk

    def skip_formation(self, record: FormationRecord, reason: str) -> None:
        self.counts["training"]["skipped"] += 1
        self.report.skip(reason)
        for action in record.actions:
            self.counts["action"]["skipped"] += 1
            self.counts["session"]["skipped"] += len(action.sessions)

    def skip_action(self, action: ActionRecord, reason: str) -> None:
        self.counts["action"]["skipped"] += 1
        self.counts["session"]["skipped"] += len(action.sessions)
        self.report.skip(reason)

    # -- lookups ---------------------------------------------------------------------------------------

    def provider(self, record: FormationRecord) -> tuple[int, bool]:
        """The provider's id and whether it is the Cnam; created or updated on first sight in the run."""
        siret = record.provider.siret
        if siret in self.providers:
            return self.providers[siret]
        fields = self.provider_fields.pop(siret)
        provider = TrainingProvider.objects.filter(siret=siret).first()
        if provider is None:
            is_cnam = siret in self.cnam_sirets or looks_like_cnam(fields["name"], fields["legal_name"])
            if not self.failed:
                provider = TrainingProvider.objects.create(
                    siret=siret, is_cnam=is_cnam, updated_at=self.now, **fields
                )
            self.providers[siret] = (provider.pk if provider else 0, is_cnam)
            return self.providers[siret]
        changed = [name for name in PROVIDER_FIELDS if getattr(provider, name) != fields[name]]
        if siret in self.cnam_sirets and not provider.is_cnam:
            provider.is_cnam = True
            changed.append("is_cnam")
        if changed and not self.failed:
            for name in changed:
                if name != "is_cnam":
                    setattr(provider, name, fields[name])
            provider.updated_at = self.now
            provider.save(update_fields=[*changed, "updated_at"])
        self.providers[siret] = (provider.pk, provider.is_cnam)
        return self.providers[siret]

    def certification_ids(self, codes: set[str]) -> None:
        missing = [code for code in codes if code not in self.certifications]
        if missing:
            found = dict(Certification.objects.filter(code__in=missing).values_list("code", "pk"))
            for code in missing:
                self.certifications[code] = found.get(code)

    def site_id_for_code(self, code: str) -> int | None:
        if self.site_codes is None:
            self.site_codes = dict(CnamSite.objects.values_list("code", "pk"))
        return self.site_codes.get(code)

    # -- writing ---------------------------------------------------------------------------------------

    def flush(self, batch: list[tuple[FormationRecord, int]]) -> None:
        if not batch or self.failed:
            return
        insee, postal = set(), set()
        certification_codes = set()
        for record, _ in batch:
            certification_codes.update(record.certification_codes)
            for action in record.actions:
                if action.place is not None:
                    insee.add(action.place.insee_code)
                    postal.add(action.place.postal_code)
                elif action.sessions:
                    postal.add(action.sessions[0].values[REGISTRATION_POSTAL_CODE])
        self.places.prefetch(insee, postal)
        self.certification_ids(certification_codes)

        trainings = []
        for record, provider_id in batch:
            values = dict(record.fields)
            values["provider_id"] = provider_id
            first_code = next(
                (code for code in record.certification_codes if self.certifications.get(code)), None
            )
            values["certification_id"] = self.certifications.get(first_code) if first_code else None
            values["search_text"] = training_search_text(
                title=values["title"],
                certification_codes=values["certification_codes"],
                rome_codes=values["rome_codes"],
                extra=values["objectives"],
            )
            keep = KEEP_MIN_AGE if record.min_age_without_level is ABSENT else ()
            values["min_age_without_level"] = None if keep else record.min_age_without_level
            trainings.append((record.external_id, record.line, PICK_TRAINING(values), keep, record))
        training_ids = self.upsert("training", trainings)

        actions = []
        for record, provider_id in batch:
            training_id = training_ids.get(record.external_id)
            if training_id is None or record.duplicate:
                for action in record.actions:
                    self.counts["action"]["skipped"] += 1
                    self.counts["session"]["skipped"] += len(action.sessions)
                record.actions = []
                continue
            is_cnam = self.providers[record.provider.siret][1]
            for action in record.actions:
                values = self.action_values(action, training_id, is_cnam)
                if values is None:
                    self.skip_action(action, "action dont le lieu est introuvable (voir les erreurs)")
                    action.sessions = []
                    continue
                actions.append((action.external_id, action.line, PICK_ACTION(values), (), action))
        action_ids = self.upsert("action", actions)

        sessions = []
        for record, _ in batch:
            for action in record.actions:
                action_id = action_ids.get(action.external_id)
                if action_id is None or action.duplicate:
                    self.counts["session"]["skipped"] += len(action.sessions)
                    continue
                for session in action.sessions:
                    # SESSION_FIELDS: the action, four values of the record, the places, three more.
                    v, places = session.values, session.places_available
                    keep = KEEP_PLACES if places is ABSENT else ()
                    row = (action_id, v[0], v[1], v[2], v[3], None if keep else places, v[4], v[5], v[6])
                    sessions.append((session.external_id, session.line, row, keep, None))
        self.upsert("session", sessions, need_ids=False)

    def action_values(self, action: ActionRecord, training_id: int, is_cnam: bool) -> dict | None:
        values = dict(action.fields)
        values["training_id"] = training_id
        place = action.place
        located = None
        if place is not None and (place.insee_code or place.postal_code):
            located = self.places.locate(
                insee_code=place.insee_code, postal_code=place.postal_code, city=place.city
            )
            if located is None:
                self.problem(
                    action.line,
                    "lieu-de-formation",
                    f"commune introuvable (code INSEE « {place.insee_code or '—'} », code postal "
                    f"« {place.postal_code or '—'} », ville « {place.city or '—'} »)",
                    f"action « {action.external_id} »",
                )
                return None
        values.update(
            place_name=place.name[:255] if place else "",
            address=place.text if place else "",
            postal_code=place.postal_code[:5] if place else "",
            city=place.city[:100] if place else "",
            commune_id=located.insee_code if located else None,
            latitude=(
                place.latitude if place and place.latitude is not None else located and located.latitude
            ),
            longitude=(
                place.longitude if place and place.longitude is not None else located and located.longitude
            ),
            cnam_site_id=None,
        )
        if is_cnam:
            site = self.site_id_for_code(action.cnam_site_code) if action.cnam_site_code else None
            if site is None and located is None and place is None and action.sessions:
                # Distance learning often has no place: the registration address tells the centre.
                first = action.sessions[0].values
                registration = self.places.locate(
                    insee_code="", postal_code=first[REGISTRATION_POSTAL_CODE], city=first[REGISTRATION_CITY]
                )
                site = self.places.cnam_site_for(registration, first[REGISTRATION_ADDRESS])
            elif site is None:
                site = self.places.cnam_site_for(located, values["address"])
            values["cnam_site_id"] = site
        if self.allowed_site_ids is not None and values["cnam_site_id"] not in self.allowed_site_ids:
            self.forbidden(
                action.line,
                "lieu-de-formation",
                "l'action n'est rattachée à aucun centre Cnam de votre région"
                + ("" if is_cnam else " (l'organisme responsable n'est pas reconnu comme le Cnam)"),
                f"action « {action.external_id} »",
            )
            return None
        return values

    def upsert(self, key: str, rows: list[tuple], *, need_ids: bool = True) -> dict[str, int]:
        """Write one level of a batch. ``rows``: (external id, line, values in the level's field order,
        indexes of the values to keep as stored, record to flag when it is a duplicate). Return
        external id → primary key of the rows written (unless ``need_ids`` is false: sessions have
        no children to attach)."""
        level = LEVELS[key]
        if not rows:
            return {}
        model, fields, counts = level.model, level.fields, self.counts[key]
        stored = {
            row[0]: row[1:]
            for row in with_external_ids(model, [row[0] for row in rows]).values_list(
                "external_id", "pk", "last_import", *fields
            )
        }
        if self.allowed_site_ids is not None:
            self.check_scope(key, rows, stored)
        # The run's timestamp, in the form the driver takes, computed once for every row.
        now = model._meta.get_field("updated_at").get_db_prep_save(self.now, connection)
        ids: dict[str, int] = {}
        seen: dict[str, int | None] = {}
        to_create, to_update, unchanged = [], [], []
        for external_id, line, values, keep, record in rows:
            current = stored.get(external_id)
            if external_id in seen or (current is not None and current[1] == self.run_id):
                earlier = seen.get(external_id)
                self.problem(
                    line,
                    "numero",
                    f"identifiant de {level.label} en double « {external_id} »"
                    + (
                        f" (déjà vu ligne {earlier})"
                        if earlier
                        else " (déjà présent plus haut dans le fichier)"
                    ),
                )
                counts["skipped"] += 1
                self.report.skip(f"{level.label} en double")
                if record is not None:
                    record.duplicate = True
                continue
            seen[external_id] = line
            if current is None:
                to_create.append((*values, external_id, now, self.run_id))
                continue
            pk, stored_values = current[0], current[2:]
            if keep:
                values = list(values)
                for index in keep:
                    values[index] = stored_values[index]
                values = tuple(values)
            ids[external_id] = pk
            if values == stored_values:
                unchanged.append(pk)
            else:
                to_update.append((*values, now, self.run_id, pk))
        if self.failed:
            return {}
        if to_create:
            insert_rows(
                model, [*fields, "external_id", "updated_at", "last_import"], to_create, prepared=PREPARED
            )
            if need_ids:
                created = [row[-3] for row in to_create]
                ids.update(with_external_ids(model, created).values_list("external_id", "pk"))
        if to_update:
            update_rows(model, [*fields, "updated_at", "last_import"], to_update, prepared=PREPARED)
        if unchanged:
            model.objects.filter(pk__in=unchanged).update(last_import=self.run_id)
        counts["created"] += len(to_create)
        counts["updated"] += len(to_update)
        counts["unchanged"] += len(unchanged)
        return ids
