from django.conf import settings


def branding(request):
    return {
        "STATE_BRAND": settings.TREMPLIN_STATE_BRAND,
        "OPERATOR_NAME": settings.TREMPLIN_OPERATOR_NAME,
    }
