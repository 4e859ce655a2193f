"""Pre-aggregated figures of the large scopes, rebuilt by ``refresh_stats`` (see store.py)."""

from django.db import models


class Aggregate(models.Model):
    """How many referrals sent in ``month`` within ``scope`` have ``value`` for ``dimension``.

    ``scope``: ``france``, ``region:<code INSEE>`` (the young person's home région) or
    ``centre:<id>`` (a Cnam regional centre and its sites). A delay dimension's value is a number of
    days; ``<dimension>.entry`` counts only the referrals that led to an entry in training."""

    scope = models.CharField(max_length=30)
    # The month as the number YYYYMM (202503): an integer reads several times faster than a date,
    # and a national dashboard reads some 30,000 cells.
    month = models.PositiveIntegerField()
    dimension = models.CharField(max_length=30)
    value = models.CharField(max_length=30, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = "agrégat"
        indexes = [models.Index(fields=["scope", "month"], name="stats_aggregate_scope_month")]

    def __str__(self):
        return f"{self.scope} {self.month} {self.dimension}={self.value}: {self.count}"


class DistinctYoungPeople(models.Model):
    """How many young people had at least one referral sent from ``first_month`` to ``last_month``
    within ``scope``. People do not add up across months (one may be referred in March and May), so
    the refresh counts them for every period of whole months of the data, a few hundred per scope."""

    scope = models.CharField(max_length=30)
    first_month = models.PositiveIntegerField()  # YYYYMM
    last_month = models.PositiveIntegerField()  # YYYYMM
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = "nombre de jeunes orientés"
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "first_month", "last_month"], name="stats_distinct_period"
            )
        ]


class Refresh(models.Model):
    """One run of ``refresh_stats``: the dashboards say how fresh their figures are."""

    started_at = models.DateTimeField("commencé le")
    finished_at = models.DateTimeField("terminé le")
    referrals = models.PositiveIntegerField("orientations lues")
    cells = models.PositiveIntegerField("agrégats écrits")
    # The months of the data (YYYYMM): no referral was sent before the first or after the last.
    first_month = models.PositiveIntegerField(null=True)
    last_month = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name = "actualisation des statistiques"
        verbose_name_plural = "actualisations des statistiques"
        get_latest_by = "finished_at"
        ordering = ["-finished_at"]

    def __str__(self):
        return f"{self.finished_at:%d/%m/%Y %H:%M} ({self.referrals} orientations)"
