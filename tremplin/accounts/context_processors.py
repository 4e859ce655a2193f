def current_membership(request):
    membership = getattr(request, "membership", None)
    return {
        "current_membership": membership,
        "current_organisation": membership.organisation if membership else None,
        "current_role": membership.role if membership else None,
    }
