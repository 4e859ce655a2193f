"""The API's session authentication, aware of the second factor."""

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication

from tremplin.accounts import second_factor


class VerifiedSessionAuthentication(SessionAuthentication):
    """A browser session authenticates an API call only once its second factor, when one is due,
    has been entered: otherwise the call is anonymous (401), as if there were no session.
    Token authentication is separate and unaffected."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        if second_factor.pending(request._request):
            return None
        return result


class VerifiedSessionScheme(SessionScheme):
    """Described in the OpenAPI schema as the plain session cookie it is."""

    target_class = VerifiedSessionAuthentication
