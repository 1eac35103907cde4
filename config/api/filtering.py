"""The filter backends of every list endpoint: django-filter FilterSets, nothing else, so
each documented filter is the only way to narrow a list."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend

FILTER_BACKENDS = (DjangoFilterBackend,)
