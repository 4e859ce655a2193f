from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tremplin.network.models import Organisation


@require_GET
def organisation_detail(request, code):
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), code=code)
    members = (
        organisation.memberships.active().select_related("user").order_by("user__last_name", "user__email")
    )
    return render(
        request,
        "network/organisation_detail.html",
        {"title": organisation.name, "organisation": organisation.specific, "members": members},
    )
