"""Cursor pagination: stable pages while the data changes under a client walking through a list."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "pk"
    invalid_cursor_message = (
        "Curseur de pagination invalide : utilisez les liens « next » et « previous » tels quels."
    )
    cursor_query_description = "Position dans la liste : ne le construisez pas, suivez les liens « next » et « previous » de la réponse."
    page_size_query_description = "Nombre d'éléments par page (50 par défaut, 200 au plus)."

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["next"]["description"] = "Page suivante ; null à la fin de la liste."
        response["properties"]["previous"]["description"] = "Page précédente ; null au début de la liste."
        return response
