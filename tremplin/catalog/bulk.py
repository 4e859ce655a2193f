"""Upsert of reference rows keyed by a natural key, in batches, with a count of what changed."""

from collections import Counter
from collections.abc import Iterable

from django.db import connections, models

BATCH_SIZE = 1000


def upsert(
    model: type[models.Model],
    rows: dict[str, dict],
    *,
    key: str = "pk",
    counts: Counter | None = None,
    batch_size: int = BATCH_SIZE,
) -> Counter:
    """Create or update ``rows`` (natural key → field values) so the table holds exactly those
    values for those keys. Rows whose values are already stored are left alone (no write)."""
    counts = counts if counts is not None else Counter()
    if not rows:
        return counts
    fields = sorted({name for values in rows.values() for name in values})
    keys = list(rows)
    lookup = "pk" if key == "pk" else key
    for start in range(0, len(keys), batch_size):
        chunk = keys[start : start + batch_size]
        existing = {
            row[0]: row[1:]
            for row in model.objects.filter(**{f"{lookup}__in": chunk}).values_list(lookup, "pk", *fields)
        }
        to_create, to_update = [], []
        for natural_key in chunk:
            values = rows[natural_key]
            stored = existing.get(natural_key)
            if stored is None:
                to_create.append(
                    model(**{lookup if key != "pk" else model._meta.pk.name: natural_key}, **values)
                )
                continue
            current = dict(zip(fields, stored[1:], strict=True))
            if all(current[name] == values[name] for name in values):
                counts["unchanged"] += 1
                continue
            instance = model(pk=stored[0], **{lookup: natural_key} if key != "pk" else {}, **values)
            to_update.append(instance)
        if to_create:
            model.objects.bulk_create(to_create, batch_size=batch_size)
            counts["created"] += len(to_create)
        if to_update:
            model.objects.bulk_update(to_update, fields, batch_size=batch_size)
            counts["updated"] += len(to_update)
    return counts


def chunked(items: Iterable, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Plain executemany writes ----------------------------------------------------------------------
# Django's bulk_create/bulk_update compile every value of every row through the field machinery
# (and bulk_update builds one CASE WHEN per field): for the LHEO import that cost more than the
# database itself. These helpers prepare a statement once and send rows with executemany; the SQL is
# the portable INSERT/UPDATE every backend accepts, values of types that need it (dates, datetimes,
# decimals) go through the field's own get_db_prep_save.

_PASS_THROUGH = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.FloatField,
    models.ForeignKey,
)


def _adapters(model, names, connection, prepared=frozenset()):
    """Per column: None when the driver takes the Python value as it is, else a function."""
    ops = connection.ops
    adapters = []
    for name in names:
        field = model._meta.get_field(name)
        if (
            name in prepared
            or isinstance(field, _PASS_THROUGH)
            or (
                # Both drivers take date objects as they are (Django registers SQLite's adapter).
                type(field) is models.DateField and connection.vendor in ("sqlite", "postgresql")
            )
        ):
            adapters.append(None)
        elif isinstance(field, models.DateTimeField):
            adapters.append(_memoized(lambda value, field=field: field.get_db_prep_save(value, connection)))
        elif isinstance(field, models.DateField):
            adapters.append(ops.adapt_datefield_value)
        elif isinstance(field, models.DecimalField):
            adapters.append(
                lambda value, field=field: ops.adapt_decimalfield_value(
                    value, field.max_digits, field.decimal_places
                )
            )
        else:
            adapters.append(lambda value, field=field: field.get_db_prep_save(value, connection))
    return adapters


def _memoized(function):
    """Rows of a batch share one timestamp: adapt it once."""
    last = [object(), None]

    def adapt(value):
        if value is not last[0]:
            last[0], last[1] = value, function(value)
        return last[1]

    return adapt


def _columns(model, names):
    return [model._meta.get_field(name).column for name in names]


def insert_rows(
    model: type[models.Model],
    names: list[str],
    rows: list[tuple],
    *,
    prepared: frozenset[str] = frozenset(),
    using: str = "default",
) -> None:
    """INSERT ``rows`` (tuples of values in the order of the field ``names``) with executemany: one
    statement prepared once (SQLite), or pipelined (psycopg 3), which measured faster than multi-row
    VALUES statements on both. Columns named in ``prepared`` already hold what the driver takes."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in _columns(model, names))
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    rows = _adapt(rows, _adapters(model, names, connection, prepared))
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def update_rows(
    model: type[models.Model],
    names: list[str],
    rows: list[tuple],
    *,
    prepared: frozenset[str] = frozenset(),
    using: str = "default",
) -> None:
    """UPDATE by primary key: each row is the values of ``names`` followed by the pk."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for column in _columns(model, names))
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    rows = _adapt(rows, [*_adapters(model, names, connection, prepared), None])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _adapt(rows: list[tuple], adapters: list) -> list:
    todo = [(index, adapter) for index, adapter in enumerate(adapters) if adapter is not None]
    if not todo:
        return rows
    adapted = []
    for row in rows:
        row = list(row)
        for index, adapter in todo:
            row[index] = adapter(row[index])
        adapted.append(row)
    return adapted
