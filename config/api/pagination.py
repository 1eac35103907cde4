from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """limit/offset pages; `limit` is capped so no request reads an unbounded list."""

    default_limit = 50
    max_limit = 200
