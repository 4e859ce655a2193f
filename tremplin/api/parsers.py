"""JSON bodies with a size limit.

DRF reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE never applies to API
bodies; without this parser a client could make a worker hold any amount of memory."""

import io

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"
    default_detail = "Corps de requête trop volumineux."


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None or stream is None:
            return super().parse(stream, media_type, parser_context)
        # Read one byte past the limit rather than trust the Content-Length header's figure.
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise RequestTooLarge(f"Corps de requête trop volumineux : {limit} octets au plus.")
        return super().parse(io.BytesIO(body), media_type, parser_context)
