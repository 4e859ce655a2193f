from django import forms
from dsfr.forms import DsfrBaseForm

from tremplin.stats.periods import Period, parse_month


class MonthInput(forms.TextInput):
    """A native month picker where browsers have one; elsewhere a text field that takes 2025-03."""

    input_type = "month"


class DashboardForm(DsfrBaseForm):
    """The period of a dashboard, read from the query string. (The scope has its own <select>,
    written by the view: it has some 800 options, too many for the widget templates.)"""

    start = forms.CharField(
        label="Premier mois", help_text="Format : AAAA-MM", widget=MonthInput(), required=False, max_length=7
    )
    end = forms.CharField(
        label="Dernier mois", help_text="Format : AAAA-MM", widget=MonthInput(), required=False, max_length=7
    )

    def __init__(self, *args, default_period: Period, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_period = default_period

    def _clean_month(self, name: str):
        text = self.cleaned_data.get(name)
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_start(self):
        return self._clean_month("start")

    def clean_end(self):
        return self._clean_month("end")

    def clean(self):
        data = super().clean()
        start = data.get("start") or self.default_period.start
        end = data.get("end") or max(start, self.default_period.end)
        if "start" in self.errors or "end" in self.errors:
            return data
        try:
            data["period"] = Period(start, end)
        except ValueError as error:
            self.add_error("end", str(error))
        return data

    @property
    def period(self) -> Period:
        if self.is_valid():
            return self.cleaned_data["period"]
        return self.default_period


class ReachForm(DsfrBaseForm):
    region = forms.ChoiceField(label="Région", required=False)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "France entière"), *regions]
