"""The page "Importer une offre LHEO": a Cnam regional administrator (for the sites of their region)
or the operating team uploads an LHEO file, imported as ``import_lheo`` does, in one transaction.

The size is enforced while the request is read (the file's bytes beyond the limit are neither kept
in memory nor written to disk), the type by the content (an XML document whose root is ``lheo`` in
an LHEO namespace), never by the content type the browser claims.
"""

import tempfile
from pathlib import Path, PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db.models import Q
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods
from dsfr.forms import DsfrBaseForm

from tremplin.accounts.enums import Role
from tremplin.catalog.lheo.reader import LheoFileError
from tremplin.catalog.lheo.service import lheo_import
from tremplin.network.models import CnamSite

MAX_ERRORS_SHOWN = 100


class SizeLimitUploadHandler(FileUploadHandler):
    """First in the chain: stops passing a file's bytes on once it exceeds the limit, so the handlers
    that keep files (memory, temporary file) never hold more than the limit."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file


class LheoUploadForm(DsfrBaseForm):
    file = forms.FileField(
        label="Fichier de l'offre (LHEO 2.2 ou 2.3)",
        help_text="Un fichier .xml au format LHEO",
        error_messages={
            "required": "Choisissez le fichier LHEO à importer.",
            "empty": "Le fichier envoyé est vide.",
            "invalid": "Aucun fichier reçu : choisissez le fichier LHEO à importer.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )
    skip_invalid = forms.BooleanField(
        label="Importer les formations valides et ignorer les autres",
        help_text="Sans cette option, la moindre erreur dans le fichier empêche tout import.",
        required=False,
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not PurePath(upload.name).suffix.lower() == ".xml":
            raise forms.ValidationError(
                f"« {display_name(upload.name)} » n'est pas un fichier .xml : exportez l'offre au format LHEO (XML)."
            )
        return upload  # a file over the size limit never gets here: SizeLimitUploadHandler skips it

    def clean(self):
        cleaned = super().clean()
        if self.too_large:
            self.errors.pop("file", None)
            self.add_error("file", self.too_large_message())
        return cleaned

    def too_large_message(self) -> str:
        return (
            f"Le fichier dépasse la taille maximale de {filesizeformat(settings.LHEO_UPLOAD_MAX_BYTES)} : découpez l'offre "
            "en plusieurs fichiers ou demandez l'import à l'équipe d'exploitation."
        )


def display_name(name: str) -> str:
    """The uploaded file's name as shown in messages: no directory, no control characters, short."""
    base = PurePath(name.replace("\\", "/")).name
    cleaned = "".join(char for char in base if char.isprintable())
    return (cleaned or "fichier.xml")[:100]


def allowed_site_ids(request) -> frozenset[int] | None:
    """The Cnam sites the uploader may import for; None for the operating team (no limit)."""
    if request.user.is_staff:
        return None
    membership = request.membership
    if membership is None or membership.role != Role.CNAM_REGIONAL:
        raise PermissionDenied(
            "Réservé aux administrateur·rices régionaux du Cnam et à l'équipe d'exploitation."
        )
    centre = membership.organisation.pk
    return frozenset(CnamSite.objects.filter(Q(pk=centre) | Q(parent_id=centre)).values_list("pk", flat=True))


@csrf_exempt  # the CSRF check is done below, once the size-limiting handler is in place
@require_http_methods(["GET", "POST"])
def lheo_upload(request):
    allowed = allowed_site_ids(request)
    limiter = SizeLimitUploadHandler(request, limit=settings.LHEO_UPLOAD_MAX_BYTES)
    if request.method == "POST":
        request.upload_handlers.insert(0, limiter)
    return _lheo_upload(request, allowed, limiter)


@csrf_protect
def _lheo_upload(request, allowed: frozenset[int] | None, limiter: SizeLimitUploadHandler):
    result, refusal = None, ""
    if request.method == "POST":
        form = LheoUploadForm(request.POST, request.FILES, too_large=limiter.too_large)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            name = display_name(upload.name)
            try:
                result = _import_upload(upload, name, form.cleaned_data["skip_invalid"], allowed)
            except LheoFileError as exc:
                refusal = str(exc)
            if refusal or not result.imported:
                form = LheoUploadForm()
    else:
        form = LheoUploadForm()
    return render(
        request,
        "catalog/lheo_upload.html",
        {
            "title": "Importer une offre LHEO",
            "form": form,
            "result": result,
            "refusal": refusal,
            "errors": result.report.errors[:MAX_ERRORS_SHOWN] if result else [],
            "skipped": result.report.skipped_reasons.most_common() if result else [],
            "more_errors": max(0, len(result.report.errors) - MAX_ERRORS_SHOWN) if result else 0,
            "scoped": allowed is not None,
            "max_size": filesizeformat(settings.LHEO_UPLOAD_MAX_BYTES),
        },
    )


def _import_upload(upload, name: str, skip_invalid: bool, allowed: frozenset[int] | None):
    def run(path: Path):
        return lheo_import(path=path, display_name=name, skip_invalid=skip_invalid, allowed_site_ids=allowed)

    if hasattr(upload, "temporary_file_path"):  # over FILE_UPLOAD_MAX_MEMORY_SIZE: already on disk
        return run(Path(upload.temporary_file_path()))
    # The reader needs a path and reads the file twice: a small upload goes to a private temporary file.
    with tempfile.NamedTemporaryFile(suffix=".xml") as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        return run(Path(copy.name))
