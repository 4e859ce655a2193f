"""The public catalogue search: filters on trainings, distance from a commune, and the page of
results with what the list shows, in a bounded number of queries whatever the catalogue size."""

import datetime
import math
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from tremplin.catalog.models import Training, TrainingAction, TrainingSession
from tremplin.catalog.text import fold

EARTH_RADIUS_KM = 6371.0
PAGE_SIZE = 20


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass
class CatalogueQuery:
    words: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_km: int = 30
    level: int | None = None
    rome: str = ""
    teaching_mode: str = ""
    start_from: datetime.date | None = None
    include_others: bool = False
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def near(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def matching_sessions(query: CatalogueQuery) -> QuerySet:
    """Sessions that satisfy the session- and action-level filters."""
    sessions = TrainingSession.objects.not_ended(query.today)
    if query.start_from:
        sessions = sessions.filter(Q(start_date__gte=query.start_from) | Q(permanent_entry=True))
    if query.teaching_mode:
        sessions = sessions.filter(action__teaching_mode=query.teaching_mode)
    return sessions


def matching_trainings(query: CatalogueQuery) -> QuerySet:
    trainings = Training.objects.filter(
        Exists(matching_sessions(query).filter(action__training=OuterRef("pk")))
    )
    if not query.include_others:
        trainings = trainings.cnam()
    for word in fold(query.words).split()[:8]:
        trainings = trainings.filter(search_text__contains=word)
    if query.level:
        trainings = trainings.filter(
            Q(exit_level=query.level) | Q(exit_level__isnull=True, certification__level=query.level)
        )
    if query.rome:
        trainings = trainings.in_rome_domain(query.rome)
    return trainings


def distances(query: CatalogueQuery, trainings: QuerySet) -> dict[int, float | None]:
    """Training id → distance (km) of its nearest matching action within the radius; ``None`` for a
    training reachable only at a distance. One query: actions in the bounding box, or distance learning."""
    degrees_lat = query.radius_km / 111.0
    degrees_lon = query.radius_km / (111.0 * max(math.cos(math.radians(query.latitude)), 0.01))
    box = Q(
        latitude__range=(query.latitude - degrees_lat, query.latitude + degrees_lat),
        longitude__range=(query.longitude - degrees_lon, query.longitude + degrees_lon),
    )
    actions = (
        TrainingAction.objects.filter(box | Q(teaching_mode="distance"))
        .filter(training__in=trainings)
        .filter(Exists(matching_sessions(query).filter(action=OuterRef("pk"))))
        .values_list("training_id", "latitude", "longitude", "teaching_mode")
        .order_by()
    )
    found: dict[int, float | None] = {}
    for training_id, latitude, longitude, mode in actions:
        if latitude is not None and longitude is not None:
            distance = haversine_km(query.latitude, query.longitude, latitude, longitude)
            if distance <= query.radius_km:
                if found.get(training_id) is None or distance < found[training_id]:
                    found[training_id] = distance
                continue
        if mode == "distance":
            found.setdefault(training_id, None)
    return found


@dataclass
class ResultPage:
    page: Page
    trainings: list[Training]
    distances: dict[int, float | None]


def search_page(query: CatalogueQuery, page_number) -> ResultPage:
    trainings = matching_trainings(query)
    found: dict[int, float | None] = {}
    if query.near:
        found = distances(query, trainings)
        # Nearest first, distance learning after, then by title: sorted here, paginated as a list of ids.
        ordered = sorted(found, key=lambda pk: (found[pk] is None, found[pk] or 0.0, pk))
        page = Paginator(ordered, PAGE_SIZE).get_page(page_number)
        ids = list(page.object_list)
        by_id = {
            training.pk: training for training in _with_details(Training.objects.filter(pk__in=ids), query)
        }
        results = [by_id[pk] for pk in ids if pk in by_id]
    else:
        page = Paginator(trainings.order_by("title", "pk"), PAGE_SIZE).get_page(page_number)
        results = list(_with_details(page.object_list, query))
    return ResultPage(page=page, trainings=results, distances=found)


def _with_details(trainings: QuerySet, query: CatalogueQuery) -> QuerySet:
    """What a result card shows: provider, certification, actions with their site and commune, and
    their sessions not ended yet (three queries for the page)."""
    sessions = matching_sessions(query).order_by("start_date", "pk")
    actions = TrainingAction.objects.select_related("cnam_site", "commune").order_by("pk")
    if query.teaching_mode:
        actions = actions.filter(teaching_mode=query.teaching_mode)
    return trainings.select_related("provider", "certification").prefetch_related(
        Prefetch("actions", queryset=actions, to_attr="listed_actions"),
        Prefetch("listed_actions__sessions", queryset=sessions, to_attr="listed_sessions"),
    )
