"""The REST API, version 1 (schema at /api/v1/schema/, docs at /api/v1/docs/).

Every route is public to the login middleware: the API authenticates its callers itself (token or
session, see tremplin.api.authentication) and answers with problem+json, never with a redirection
to the login page."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from tremplin.api import catalogue, errors, recommendations, referrals, stats, youth
from tremplin.api.fields import IdConverter
from tremplin.territories import api as territories_api

register_converter(IdConverter, "id")


def api(view_class, **initkwargs):
    return login_not_required(view_class.as_view(**initkwargs))


urlpatterns = [
    path("communes/", territories_api.commune_lookup, name="api-communes"),
    path("sites/", api(catalogue.SiteList), name="api-sites"),
    path("sites/<id:pk>/", api(catalogue.SiteDetail), name="api-site"),
    path("trainings/", api(catalogue.TrainingList), name="api-trainings"),
    path("trainings/<id:pk>/", api(catalogue.TrainingDetail), name="api-training"),
    path("sessions/", api(catalogue.SessionList), name="api-sessions"),
    path("sessions/<id:pk>/", api(catalogue.SessionDetail), name="api-session"),
    path("recommendations/", api(recommendations.Recommendations), name="api-recommendations"),
    path("young-people/", api(youth.YoungPersonList), name="api-young-people"),
    path("young-people/<id:pk>/", api(youth.YoungPersonDetail), name="api-young-person"),
    path(
        "young-people/<id:pk>/recommendations/",
        api(youth.YoungPersonRecommendations),
        name="api-young-person-recommendations",
    ),
    path("referrals/", api(referrals.ReferralList), name="api-referrals"),
    path("referrals/<id:pk>/", api(referrals.ReferralDetail), name="api-referral"),
    path(
        "referrals/<id:pk>/transitions/", api(referrals.ReferralTransition), name="api-referral-transitions"
    ),
    path("referrals/<id:pk>/events/", api(referrals.ReferralEvents), name="api-referral-events"),
    path("stats/", api(stats.Stats), name="api-stats"),
    path("schema/", api(SpectacularAPIView), name="api-schema"),
    path("docs/", api(SpectacularRedocView, url_name="api-schema"), name="api-docs"),
    re_path(r"^[\s\S]*$", login_not_required(errors.not_found_view)),
]
