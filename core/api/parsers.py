"""The API's JSON parser: DRF's meaning (the request's charset, NaN/Infinity refused in strict
mode, ``JSON parse error - ...`` messages), decoding the body in one call instead of through a
stream reader, and a 400 (not a 500) for JSON nested too deeply to parse."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json


def request_charset(parser_context: dict[str, Any]) -> str:
    """The charset of the request's Content-Type (else DEFAULT_CHARSET). Only text codecs:
    a bytes-to-bytes codec such as ``bz2_codec`` would inflate a small body after the size
    check, so it is refused."""
    encoding = parser_context.get("encoding") or settings.DEFAULT_CHARSET
    try:
        "".encode(encoding)
    except (LookupError, UnicodeError):
        raise ParseError(
            f'Unsupported charset "{encoding}" in request Content-Type header.'
        ) from None
    return str(encoding)


class NudgeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = request_charset(parser_context or {})
        parse_constant = json.strict_constant if self.strict else None
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
            return json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except ValueError as exc:  # UnicodeDecodeError is one too
            raise ParseError(f"JSON parse error - {exc}") from None
