from django.contrib import admin

from tremplin.stats.models import Refresh


@admin.register(Refresh)
class RefreshAdmin(admin.ModelAdmin):
    """When the pre-aggregated figures were last recounted (``refresh_stats``), for support."""

    list_display = ("finished_at", "started_at", "referrals", "cells")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
