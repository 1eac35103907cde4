"""The one JSON parser of the API: DRF's, with limits that turn hostile documents into a
400 instead of a 500.

- Nesting: no request of this API is deeper than a few levels; a document nested 1,000
  levels deep exhausts the parser's recursion (RecursionError) and any recursive code
  after it, so anything deeper than `MAX_DEPTH` is refused.
- NUL characters in object keys: text fields refuse NUL in values (naming the field), but
  keys slip past them (`{"segment_weights": {"a\\u0000b": 1}}`) and PostgreSQL cannot
  store NUL in jsonb. No key of this API holds one: refused in the parser.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def check_document(data: Any) -> None:
    """Raise ParseError if `data` nests deeper than MAX_DEPTH or has a key with a NUL.

    Iterative, so that the check itself cannot run out of stack; only containers are
    visited (a bulk request holds thousands of plain values)."""
    if not isinstance(data, dict | list):
        return
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        if isinstance(value, dict):
            for key in value:
                if "\x00" in key:
                    raise ParseError("JSON parse error - NUL characters are not accepted in keys.")
            children: Any = value.values()
        else:
            children = value
        depth += 1
        stack.extend((child, depth) for child in children if isinstance(child, dict | list))


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        check_document(data)
        return data
