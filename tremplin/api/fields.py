from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Database ids are 64-bit: a larger number is no id, and SQLite cannot even compare with it.
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field({"oneOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}]})
class OptionalEmailField(serializers.EmailField):
    """An email address, or an empty string for none (documented as such: "" is no email format)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


class IdConverter:
    """``<id:pk>`` in the API's routes: at most 18 digits, so that any matched id fits the database's
    64-bit integers (a longer one reaches the "no such address" answer, a 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)
