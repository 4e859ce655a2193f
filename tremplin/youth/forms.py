import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from tremplin.accounts.enums import ML_ROLES
from tremplin.accounts.models import User
from tremplin.catalog.enums import QualificationLevel, TeachingMode
from tremplin.catalog.models import RomeFiche
from tremplin.youth.enums import MAX_AGE, MAX_AGE_RQTH, MIN_AGE, Programme, Scope
from tremplin.youth.lookups import ROME_CODE, commune_label, resolve_commune, rome_labels, search_rome
from tremplin.youth.models import DEFAULT_MAX_TRAVEL_KM, YoungPerson, age_on
from tremplin.youth.services import DEFAULT_CONSENT_PURPOSE

MAX_RADIUS_KM = 200
MAX_INTERESTS = 10
_CODE_SEPARATORS = re.compile(r"[\s,;]+")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class CommuneField(forms.CharField):
    """A text input (autocompleted by youth/youth.js) resolved to a Commune when the form is checked."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "off",
                    "data-commune-autocomplete": reverse_lazy("api-communes"),
                    "spellcheck": "false",
                }
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return commune_label(value) if hasattr(value, "insee_code") else value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        return resolve_commune(value)


class RomePickerWidget(forms.TextInput):
    """Without JavaScript: a text input of ROME codes separated by spaces. youth/youth.js turns it
    into a search box with removable tags, each carrying a hidden input of the same name; the values
    of every input of that name are read together."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "data-rome-picker": reverse_lazy("youth:rome_search"),
            }
            | (attrs or {})
        )

    template_name = "youth/widgets/rome_picker.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        codes = [code.upper() for code in _CODE_SEPARATORS.split(context["widget"]["value"] or "") if code]
        labels = rome_labels(codes) if codes else {}
        context["widget"]["selected"] = [
            (code, labels[code]) for code in dict.fromkeys(codes) if code in labels
        ]
        return context

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return " ".join(getattr(v, "code", v) for v in value)
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return " ".join(data.getlist(name))
        return data.get(name)


class RomeFichesField(forms.Field):
    widget = RomePickerWidget

    def to_python(self, value) -> list[str]:
        """The tokens as typed (codes, or words typed instead of a code without JavaScript)."""
        if not value:
            return []
        if isinstance(value, list | tuple):
            return [getattr(v, "code", v) for v in value]
        return [token for token in _CODE_SEPARATORS.split(value.strip()) if token]

    def clean(self, value) -> list[RomeFiche]:
        tokens = list(dict.fromkeys(self.to_python(value)))
        self.validate(tokens)
        malformed = [token for token in tokens if not ROME_CODE.match(token.upper())]
        if malformed:
            typed = " ".join(malformed)
            hints = search_rome(typed, limit=3)
            hint = (
                " Vouliez-vous dire " + ", ".join(f"{h['code']} ({h['label']})" for h in hints) + " ?"
                if hints
                else ""
            )
            raise ValidationError(
                f"« {typed} » n'est pas un code ROME (une lettre de A à N et quatre chiffres, "
                f"par exemple D1102).{hint}"
            )
        codes = list(dict.fromkeys(token.upper() for token in tokens))
        fiches = {f.code: f for f in RomeFiche.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in fiches]
        if unknown:
            plural = "s" if len(unknown) > 1 else ""
            raise ValidationError(f"Code{plural} ROME inconnu{plural} : {', '.join(unknown)}.")
        if len(codes) > MAX_INTERESTS:
            raise ValidationError(f"Choisissez au plus {MAX_INTERESTS} métiers.")
        return [fiches[code] for code in codes]


class CounsellorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.email


class YoungPersonForm(DsfrBaseForm):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    birth_date = forms.DateField(label="Date de naissance", widget=DateInput())
    rqth = forms.BooleanField(
        label="La personne a une reconnaissance de la qualité de travailleur handicapé (RQTH)",
        required=False,
        help_text="Permet l'accompagnement jusqu'à 29 ans. Cette information n'est pas enregistrée.",
    )
    email = forms.EmailField(label="Adresse électronique", required=False)
    phone = forms.CharField(
        label="Téléphone", max_length=30, required=False, help_text="Exemple : 06 12 34 56 78"
    )
    home_commune = CommuneField(
        label="Commune de résidence",
        help_text="Tapez le nom, le code postal ou le code INSEE, puis choisissez dans la liste.",
    )
    education_level = forms.TypedChoiceField(
        label="Niveau du diplôme le plus élevé",
        coerce=int,
        choices=QualificationLevel.choices,
        initial=QualificationLevel.INFRA_3,
        error_messages={
            "invalid_choice": "Niveau de diplôme inconnu : choisissez infra 3 ou un niveau de 3 à 8 dans la liste."
        },
    )
    has_bac = forms.BooleanField(label="Baccalauréat obtenu", required=False)
    interests = RomeFichesField(
        label="Métiers qui l'intéressent (fiches ROME)",
        required=False,
        help_text="Tapez un métier ou un code ROME, par exemple « boulanger » ou D1102.",
    )
    interests_text = forms.CharField(
        label="Centres d'intérêt, en quelques mots",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    max_travel_km = forms.IntegerField(
        label="Distance maximale de déplacement (km)",
        initial=DEFAULT_MAX_TRAVEL_KM,
        min_value=0,
        max_value=MAX_RADIUS_KM,
        error_messages={
            "min_value": "La distance maximale de déplacement ne peut pas être négative.",
            "max_value": f"La distance maximale de déplacement ne peut pas dépasser {MAX_RADIUS_KM} km : au-delà, cochez plutôt « formation à distance possible ».",
            "invalid": "La distance maximale de déplacement est un nombre entier de kilomètres.",
        },
    )
    distance_learning_ok = forms.BooleanField(label="Formation à distance possible", required=False)
    preferred_start = forms.DateField(label="Début souhaité", required=False, widget=DateInput())
    programme = forms.ChoiceField(
        label="Dispositif", choices=Programme.choices, initial=Programme.NONE, widget=forms.RadioSelect
    )
    counsellor = CounsellorChoiceField(
        label="Conseiller·ère référent·e", queryset=User.objects.none(), empty_label=None
    )
    accessibility_consent = forms.BooleanField(
        label="La personne accepte que ses besoins d'aménagement soient notés et transmis au Cnam",
        required=False,
    )
    accessibility_note = forms.CharField(
        label="Besoins d'aménagement",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Uniquement ce qui est utile à l'accueil en formation ; aucune information médicale.",
    )
    consent = forms.BooleanField(
        label="La personne accepte que ces informations soient transmises au Cnam pour une orientation",
        required=False,
        help_text="Sans cet accord, la fiche peut être créée mais aucune orientation n'est possible.",
    )
    consent_purpose = forms.CharField(
        label="Finalité de l'accord",
        required=False,
        max_length=300,
        initial=DEFAULT_CONSENT_PURPOSE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm_duplicate = forms.BooleanField(
        label="J'ai vérifié : il s'agit d'une autre personne, créer la fiche quand même",
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, mission_locale, person: YoungPerson | None = None, today=None, **kwargs):
        self.person = person
        self.today = today or timezone.localdate()
        self.warnings: list[str] = []
        if person is not None:
            kwargs["initial"] = {**initial_for(person), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        members = Q(
            memberships__organisation=mission_locale,
            memberships__role__in=ML_ROLES,
            memberships__is_active=True,
            is_active=True,
        )
        if person is not None and person.counsellor_id:
            # Keep the current counsellor selectable even if they left: saving must not change them silently.
            members |= Q(pk=person.counsellor_id)
        self.fields["counsellor"].queryset = (
            User.objects.filter(members).distinct().order_by("last_name", "first_name", "email")
        )
        if person is not None:
            del self.fields["confirm_duplicate"]

    def ask_duplicate_confirmation(self):
        """Show the confirmation box (after the view found possible duplicates)."""
        field = self.fields["confirm_duplicate"]
        field.widget = forms.CheckboxInput()
        self.add_error(
            "confirm_duplicate",
            "Une fiche semblable existe déjà : vérifiez qu'il ne s'agit pas de la même personne, "
            "puis cochez cette case pour créer la fiche quand même.",
        )

    def clean_first_name(self):
        return _name(self.cleaned_data["first_name"], "Le prénom")

    def clean_last_name(self):
        return _name(self.cleaned_data["last_name"], "Le nom")

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = re.sub(r"[\s.\-()]", "", phone)
        if phone and not re.fullmatch(r"(0\d{9}|\+\d{8,15})", digits):
            raise ValidationError(
                "Numéro de téléphone invalide : dix chiffres commençant par 0, ou un numéro international commençant par +."
            )
        return phone

    def clean_preferred_start(self):
        start = self.cleaned_data["preferred_start"]
        if start and start > self.today + datetime.timedelta(days=2 * 366):
            raise ValidationError(
                "Le début souhaité est à plus de deux ans : laissez le champ vide ou rapprochez-le."
            )
        return start

    def clean(self):
        data = super().clean()
        birth_date = data.get("birth_date")
        if birth_date is not None:
            self._check_age(birth_date, data.get("rqth", False))
        level = data.get("education_level")
        if data.get("has_bac") and level is not None and level < QualificationLevel.LEVEL_4:
            self.add_error(
                "education_level",
                "Le baccalauréat est un diplôme de niveau 4 : avec « baccalauréat obtenu », "
                "choisissez au moins le niveau 4.",
            )
        if data.get("accessibility_note", "").strip() and not data.get("accessibility_consent"):
            self.add_error(
                "accessibility_note",
                "Une note sur les besoins d'aménagement n'est possible qu'avec l'accord de la personne : "
                "cochez la case d'accord ou laissez la note vide.",
            )
        return data

    def _check_age(self, birth_date: datetime.date, rqth: bool):
        if birth_date > self.today:
            self.add_error("birth_date", "La date de naissance ne peut pas être dans le futur.")
            return
        # A person who was accompanied within the limits and aged since stays editable.
        if self.person is not None and birth_date == self.person.birth_date:
            return
        age = age_on(birth_date, self.today)
        if age < MIN_AGE:
            self.add_error(
                "birth_date",
                f"La personne a {age} ans : les missions locales accompagnent les jeunes à partir de {MIN_AGE} ans.",
            )
        elif age > MAX_AGE_RQTH:
            self.add_error(
                "birth_date",
                f"La personne a {age} ans : l'accompagnement s'arrête à {MAX_AGE} ans, "
                f"et à {MAX_AGE_RQTH} ans avec une RQTH.",
            )
        elif age > MAX_AGE and not rqth:
            self.add_error(
                "birth_date",
                f"La personne a {age} ans : l'accompagnement s'arrête à {MAX_AGE} ans, sauf avec une "
                f"reconnaissance de la qualité de travailleur handicapé (RQTH) jusqu'à {MAX_AGE_RQTH} ans. "
                "Cochez la case RQTH si c'est le cas.",
            )
        elif age > MAX_AGE:
            self.warnings.append(
                f"La personne a {age} ans : au-delà de {MAX_AGE} ans, son accompagnement repose sur sa RQTH "
                f"(possible jusqu'à {MAX_AGE_RQTH} ans)."
            )

    def service_kwargs(self) -> dict:
        """The cleaned data as the services' keyword arguments."""
        data = dict(self.cleaned_data)
        for name in ("rqth", "confirm_duplicate"):
            data.pop(name, None)
        return data


def _name(value: str, what: str) -> str:
    value = " ".join(value.split())
    if not any(char.isalpha() for char in value):
        raise ValidationError(f"{what} doit contenir au moins une lettre.")
    return value


def initial_for(person: YoungPerson) -> dict:
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "birth_date": person.birth_date,
        "email": person.email,
        "phone": person.phone,
        "home_commune": person.home_commune,
        "education_level": person.education_level,
        "has_bac": person.has_bac,
        "interests": [fiche.code for fiche in person.interests.all()],
        "interests_text": person.interests_text,
        "max_travel_km": person.max_travel_km,
        "distance_learning_ok": person.distance_learning_ok,
        "preferred_start": person.preferred_start,
        "programme": person.programme,
        "counsellor": person.counsellor_id,
        "accessibility_consent": person.accessibility_consent,
        "accessibility_note": person.accessibility_note,
        "consent": person.has_consent,
        "consent_purpose": person.consent_purpose or DEFAULT_CONSENT_PURPOSE,
    }


# ---------------------------------------------------------------------------------------------------
# Filters of the ranking on a young person's page

LEVEL_FILTER_CHOICES = [("", "Tous les niveaux"), ("0", "Sans niveau exigé")] + [
    (str(value), label) for value, label in QualificationLevel.choices if value >= 3
]


class RankingFilterForm(DsfrBaseForm):
    radius = forms.IntegerField(
        label="Rayon (km)",
        required=False,
        min_value=0,
        max_value=MAX_RADIUS_KM,
        error_messages={
            "min_value": "Le rayon ne peut pas être négatif.",
            "max_value": f"Le rayon ne peut pas dépasser {MAX_RADIUS_KM} km.",
            "invalid": "Le rayon est un nombre entier de kilomètres.",
        },
    )
    modes = forms.MultipleChoiceField(
        label="Modalité",
        required=False,
        choices=TeachingMode.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Modalité inconnue : « %(value)s »."},
    )
    level = forms.ChoiceField(
        label="Niveau d'entrée de la formation",
        required=False,
        choices=LEVEL_FILTER_CHOICES,
        error_messages={"invalid_choice": "Niveau inconnu : « %(value)s »."},
    )
    start_before = forms.DateField(label="Démarre avant le", required=False, widget=DateInput())


class ListFilterForm(DsfrBaseForm):
    q = forms.CharField(label="Nom ou prénom", required=False, max_length=100)
    scope = forms.ChoiceField(
        label="Jeunes suivis", choices=Scope.choices, required=False, widget=forms.RadioSelect
    )
    archived = forms.BooleanField(label="Afficher aussi les fiches archivées", required=False)


class AccessLogFilterForm(DsfrBaseForm):
    """Filters of the mission locale's access log. Invalid dates are shown with their error and
    ignored."""

    person = forms.CharField(
        label="Jeune",
        required=False,
        max_length=100,
        help_text="Nom, prénom ou numéro de fiche.",
    )
    user = forms.CharField(
        label="Consulté par", required=False, max_length=100, help_text="Nom ou adresse électronique."
    )
    since = forms.DateField(
        label="Du",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Date de début invalide : utilisez le format JJ/MM/AAAA."},
    )
    until = forms.DateField(
        label="Au",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Date de fin invalide : utilisez le format JJ/MM/AAAA."},
    )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "La date de fin précède la date de début.")
        return data
