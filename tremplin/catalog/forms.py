import re

from django import forms
from dsfr.forms import DsfrBaseForm

from tremplin.catalog.enums import QualificationLevel, RegistrationState, TeachingMode
from tremplin.catalog.models import RomeDomain, RomeGrandDomain
from tremplin.catalog.search import CatalogueQuery
from tremplin.territories.lookup import normalize_name, search_communes

RADIUS_CHOICES = [(10, "10 km"), (20, "20 km"), (30, "30 km"), (50, "50 km"), (100, "100 km")]
_WITH_CODE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[0-9][0-9AB][0-9]{3})\)\s*$", re.IGNORECASE)


def resolve_commune(text: str) -> tuple[dict | None, list[dict]]:
    """The commune someone typed: ``"Rodez"``, ``"Rodez (12000)"`` (postal code, as the suggestions
    write it), ``"Rodez (12202)"`` (INSEE code) or a code alone. Returns (commune, other matches):
    no commune and several matches when the text is ambiguous."""
    text = text.strip()
    match = _WITH_CODE.match(text)
    if match:
        code = match["code"].upper()
        for result in search_communes(code, limit=20):
            if result["insee_code"] == code or code in result["postal_codes"]:
                if not match["name"] or normalize_name(result["name"]) == normalize_name(match["name"]):
                    return result, []
        text = match["name"] or text
    results = search_communes(text, limit=8)
    if not results:
        return None, []
    if text.isdigit():
        return (results[0], []) if len(results) == 1 or results[0]["insee_code"] == text else (None, results)
    wanted = normalize_name(text)
    exact = [result for result in results if normalize_name(result["name"]) == wanted]
    if len(exact) == 1:
        return exact[0], []
    return None, exact or results


def commune_label(commune: dict) -> str:
    """How a commune is written in the field and in the suggestions: name and first postal code."""
    codes = commune["postal_codes"]
    return f"{commune['name']} ({codes[0] if codes else commune['insee_code']})"


class CatalogueSearchForm(DsfrBaseForm):
    q = forms.CharField(
        label="Mots-clés",
        required=False,
        max_length=200,
        help_text="Par exemple : informatique, comptabilité, RNCP34099",
    )
    commune = forms.CharField(
        label="Près de la commune",
        required=False,
        max_length=120,
        help_text="Nom ou code postal ; des suggestions s'affichent pendant la saisie",
        widget=forms.TextInput(
            attrs={
                "list": "commune-suggestions",
                "autocomplete": "off",
                "data-commune-suggestions": "/api/v1/communes/",
            }
        ),
    )
    radius = forms.TypedChoiceField(
        label="Dans un rayon de", choices=RADIUS_CHOICES, coerce=int, initial=30, required=False
    )
    level = forms.TypedChoiceField(
        label="Niveau du diplôme visé",
        choices=[("", "Tous les niveaux"), *QualificationLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    domain = forms.ChoiceField(label="Domaine professionnel (ROME)", required=False)
    mode = forms.ChoiceField(
        label="Modalité", choices=[("", "Toutes les modalités"), *TeachingMode.choices], required=False
    )
    start_from = forms.DateField(
        label="Débutant à partir du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    others = forms.BooleanField(
        label="Inclure l'offre d'autres organismes (pour information)",
        required=False,
        help_text="Seules les formations du Cnam peuvent recevoir une orientation par Tremplin.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune_found: dict | None = None
        self.commune_matches: list[dict] = []
        grand_domains = {gd.code: gd.label for gd in RomeGrandDomain.objects.all()}
        domains: dict[str, list] = {}
        for domain in RomeDomain.objects.order_by("code"):
            domains.setdefault(domain.grand_domain_id, []).append(
                (domain.code, f"{domain.code} – {domain.label}")
            )
        choices = [("", "Tous les domaines")]
        for code, label in grand_domains.items():
            choices.append((label, [(code, f"{code} – {label} (tout le domaine)"), *domains.get(code, [])]))
        self.fields["domain"].choices = choices

    def clean_commune(self):
        text = self.cleaned_data["commune"].strip()
        if not text:
            return ""
        commune, matches = resolve_commune(text)
        if commune is None:
            self.commune_matches = matches
            if matches:
                raise forms.ValidationError(
                    f"Plusieurs communes correspondent à « {text} » : choisissez-en une dans la liste proposée."
                )
            raise forms.ValidationError(f"Aucune commune ne correspond à « {text} ».")
        if commune["latitude"] is None:
            raise forms.ValidationError(
                f"La position de {commune['name']} est inconnue : choisissez une commune voisine."
            )
        self.commune_found = commune
        return commune_label(commune)

    def to_query(self) -> CatalogueQuery:
        data = self.cleaned_data
        commune = self.commune_found
        return CatalogueQuery(
            words=data.get("q") or "",
            latitude=commune["latitude"] if commune else None,
            longitude=commune["longitude"] if commune else None,
            radius_km=data.get("radius") or 30,
            level=data.get("level"),
            rome=data.get("domain") or "",
            teaching_mode=data.get("mode") or "",
            start_from=data.get("start_from"),
            include_others=bool(data.get("others")),
        )


class SessionForm(DsfrBaseForm):
    start_date = forms.DateField(
        label="Date de début",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_date = forms.DateField(
        label="Date de fin", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    permanent_entry = forms.BooleanField(label="Entrées et sorties permanentes", required=False)
    registration_state = forms.ChoiceField(label="État des inscriptions", choices=RegistrationState.choices)
    places_available = forms.IntegerField(
        label="Places disponibles",
        required=False,
        min_value=0,
        max_value=9999,
        help_text="Laisser vide si inconnu",
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La date de fin doit être postérieure à la date de début.")
        return data
