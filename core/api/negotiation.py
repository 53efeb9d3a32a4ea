"""Content negotiation with a shortcut for the common case.

Every API response is JSON. A request that accepts anything (no ``Accept`` header, ``*/*``)
or asks for ``application/json`` gets the first renderer without DRF parsing the header into
media types; anything else goes through DRF's negotiation (e.g. a 406 for ``text/html``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

PLAIN_ACCEPTS = frozenset({"", "*/*", "application/json"})


class JsonFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: Any = None
    ) -> tuple[BaseRenderer, str]:
        accept = request.META.get("HTTP_ACCEPT", "").strip()
        if (
            accept in PLAIN_ACCEPTS
            and format_suffix is None
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            renderer = next(iter(renderers))
            return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)
