"""The API's JSON parser: DRF's meaning (the request's charset, NaN/Infinity refused in strict
mode, ``JSON parse error - ...`` messages), decoding the body in one call instead of through a
stream reader, and a 400 (not a 500) for JSON nested too deeply to parse."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json


class NudgeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = get_encoding(parser_context or {})  # refuses bytes-to-bytes codecs
        parse_constant = json.strict_constant if self.strict else None
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
            return json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except ValueError as exc:  # UnicodeDecodeError is one too
            raise ParseError(f"JSON parse error - {exc}") from None
