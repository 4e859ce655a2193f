"""The pages managing an organisation's API access (not the API itself: see config/api_urls.py)."""

from django.urls import path

from tremplin.api import views

app_name = "api"
urlpatterns = [
    path("", views.access, name="access"),
    path("jetons/", views.token_create, name="token_create"),
    path("jetons/<int:pk>/revoquer/", views.token_revoke, name="token_revoke"),
    path("webhooks/", views.webhook_create, name="webhook_create"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/desactiver/", views.webhook_deactivate, name="webhook_deactivate"),
]
