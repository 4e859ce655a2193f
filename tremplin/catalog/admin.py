from django.contrib import admin

from tremplin.catalog import models


@admin.register(models.RomeGrandDomain)
class RomeGrandDomainAdmin(admin.ModelAdmin):
    list_display = ["code", "label"]


@admin.register(models.RomeDomain)
class RomeDomainAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "grand_domain"]
    list_filter = ["grand_domain"]


@admin.register(models.RomeFiche)
class RomeFicheAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "domain"]
    search_fields = ["code", "label"]
    list_select_related = ["domain"]


@admin.register(models.RomeAppellation)
class RomeAppellationAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "fiche"]
    search_fields = ["code", "label"]
    list_select_related = ["fiche"]


@admin.register(models.Nsf, models.Formacode)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["code", "label"]
    search_fields = ["code", "label"]


class SkillBlockInline(admin.TabularInline):
    model = models.SkillBlock
    extra = 0


@admin.register(models.Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "level", "is_active", "is_cnam"]
    list_filter = ["registry", "level", "is_active", "is_cnam"]
    search_fields = ["code", "title"]
    inlines = [SkillBlockInline]


@admin.register(models.TrainingProvider)
class TrainingProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "siret", "city", "is_cnam", "is_demo"]
    list_filter = ["is_cnam", "is_demo"]
    search_fields = ["name", "legal_name", "siret"]


class TrainingActionInline(admin.TabularInline):
    model = models.TrainingAction
    extra = 0
    fields = ["external_id", "teaching_mode", "schedule", "city", "cnam_site", "hours_total", "price"]
    raw_id_fields = ["cnam_site"]
    show_change_link = True


@admin.register(models.Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ["title", "provider", "certification", "exit_level", "updated_at"]
    list_filter = ["provider__is_cnam", "exit_level", "entry_level_required"]
    search_fields = ["title", "external_id", "certification_codes"]
    raw_id_fields = ["provider", "certification"]
    list_select_related = ["provider", "certification"]
    inlines = [TrainingActionInline]


class TrainingSessionInline(admin.TabularInline):
    model = models.TrainingSession
    extra = 0
    fields = [
        "external_id",
        "start_date",
        "end_date",
        "permanent_entry",
        "registration_state",
        "places_available",
    ]


@admin.register(models.TrainingAction)
class TrainingActionAdmin(admin.ModelAdmin):
    list_display = ["training", "teaching_mode", "city", "cnam_site"]
    list_filter = ["teaching_mode", "schedule"]
    search_fields = ["external_id", "training__title", "city"]
    raw_id_fields = ["training", "commune", "cnam_site"]
    list_select_related = ["training", "cnam_site"]
    inlines = [TrainingSessionInline]


@admin.register(models.SessionChange)
class SessionChangeAdmin(admin.ModelAdmin):
    list_display = ["session", "field", "old_value", "new_value", "user", "changed_at"]
    list_select_related = ["session__action__training", "user"]
    readonly_fields = ["session", "user", "changed_at", "field", "old_value", "new_value"]


@admin.register(models.CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    list_display = ["started_at", "source", "file_name"]
    readonly_fields = ["source", "file_name", "started_at", "summary"]
