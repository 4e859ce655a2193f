"""Upsert of reference rows keyed by a natural key, in batches, with a count of what changed."""

from collections import Counter
from collections.abc import Iterable

from django.db import models

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
