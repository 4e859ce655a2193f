def current_membership(request):
    membership = getattr(request, "membership", None)
    return {
        "current_membership": membership,
        "current_organisation": membership.organisation if membership else None,
        "current_role": membership.role if membership else None,
    }


def csp_nonce(request):
    """The page's Content-Security-Policy nonce, drawn before any template needs it.

    django-csp draws the nonce lazily, and a lazy nonce not yet drawn is falsy: DSFR's
    ``{% dsfr_js nonce=request.csp_nonce %}`` tests it with ``{% if %}`` and would leave it out, so
    the browser would run DSFR's scripts only because they come from this site."""
    nonce = getattr(request, "csp_nonce", None)
    return {"csp_nonce": str(nonce) if nonce is not None else ""}
