"""Error reports (the emails to ADMINS, the debug page) without the young people's personal data.

Django's report shows everything a request carried and every local variable of the failing frames.
In Tremplin that means a young person's name, birth date, phone or accessibility note from a posted
form, a name typed in a search box (``?q=``), or a record in a view's locals. These classes keep
what helps to find the bug (where it failed, the exception, the URL path, the method, the user, the
variables' types) and hide the values:

- every POST value, every GET value and the query string;
- every local variable except numbers, booleans and None (ids, counts and flags stay readable).

Settings (config/settings/base.py)::

    DEFAULT_EXCEPTION_REPORTER_FILTER = "tremplin.utils.error_reports.PersonalDataReporterFilter"
    DEFAULT_EXCEPTION_REPORTER = "tremplin.utils.error_reports.PersonalDataExceptionReporter"

The filter is active whatever DEBUG says: a debug page on a server holding real data must not show
them either. The exception's own message is kept; code must not put personal data in messages
(``ValueError(f"commune {commune.pk} ...")`` rather than the person's name).
"""

from decimal import Decimal

from django.http import QueryDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# Types whose values say nothing about a person and much about a bug.
_SHOWN_TYPES = (bool, int, float, Decimal, type(None))


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request):
        return True

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {name: self.cleansed_substitute for name in request.POST}

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if meta.get("QUERY_STRING"):
            meta["QUERY_STRING"] = self.cleansed_substitute
        if "?" in meta.get("HTTP_REFERER", ""):  # the previous page's search, e.g. /jeunes/?q=Dupont
            meta["HTTP_REFERER"] = meta["HTTP_REFERER"].split("?", 1)[0] + "?" + self.cleansed_substitute
        return meta

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (
                name,
                value
                if isinstance(value, _SHOWN_TYPES)
                else f"{self.cleansed_substitute} ({type(value).__name__})",
            )
            for name, value in tb_frame.f_locals.items()
        ]


class PersonalDataExceptionReporter(ExceptionReporter):
    """Also hides what the filter cannot reach: the GET parameters and the full URL's query."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None:
            hidden = QueryDict(mutable=True)
            for name in self.request.GET:
                hidden[name] = SafeExceptionReporterFilter.cleansed_substitute
            data["request_GET_items"] = hidden.items()
            uri = data.get("request_insecure_uri", "")
            if "?" in uri:
                data["request_insecure_uri"] = (
                    uri.split("?", 1)[0] + "?" + SafeExceptionReporterFilter.cleansed_substitute
                )
        return data
