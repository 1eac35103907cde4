"""The web side's language: English or French, chosen per request; the API stays English.

Order (decided for issue 11): the switcher's choice (Django's language cookie, set by
`set_language`) wins; else the browser's Accept-Language; else English. /api/ answers are
always English whatever the request says, so clients parse one vocabulary.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


class WebLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware for the web pages; English, untouched, for the API."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(API_PREFIX):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
            return
        super().process_request(request)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path.startswith(API_PREFIX):
            # No Vary: Accept-Language on the API: its answer never depends on it.
            response.headers.setdefault("Content-Language", "en")
            return response
        return super().process_response(request, response)
