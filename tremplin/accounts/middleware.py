from tremplin.accounts.models import Membership

SESSION_KEY = "current_membership_id"


class CurrentMembershipMiddleware:
    """Attach ``request.membership``: the membership the user acts through, chosen in the session.

    It falls back to the user's first active membership, so a user with one organisation never has
    to choose.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        if request.user.is_authenticated:
            memberships = (
                Membership.objects.active()
                .filter(user=request.user)
                .select_related("organisation")
                .order_by("pk")
            )
            chosen = request.session.get(SESSION_KEY)
            membership = (memberships.filter(pk=chosen).first() if chosen else None) or memberships.first()
            request.membership = membership
        return self.get_response(request)
