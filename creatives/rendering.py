"""Personalization: fill ``{{token}}`` placeholders in a creative's content.

One entry point for every caller (API preview, admin preview, batch runs, journeys):

    compiled = compile_creative(content, personalization, template_type="email_html")
    compiled.render(customer, sources={"offer": {"name": "Gold Card"}})   # per customer

    render_creative(content, personalization, customer, template_type=..., sources=...)
    # the same in one call; compiled templates are cached, so a loop over customers only pays
    # for the cache lookup (batch code should still hold on to ``compile_creative``'s result).

Rules (the contract marketers and integrators rely on):

- A token is ``{{ key }}`` (spaces optional) where ``key`` is a ``personalization`` mapping's
  ``key``. Tokens are filled in every string of ``content``, at any depth (dict values and list
  items; dict keys are never touched). Non-string values are returned unchanged.
- A mapping's ``source`` is ``<root>.<path>`` with an optional literal fallback after ``|``:
  ``customer.first_name``, ``customer.attributes.tier``, ``customer.attributes.address.city``,
  ``offer.name``, ``customer.first_name|there``. Roots: ``customer`` (the customer mapping)
  and whatever ``sources`` carries (``offer``, ``channel``, ``placement``, ``creative``).
  A numeric path segment also indexes a list (``customer.attributes.children.0``).
- Missing value: when the path does not resolve, or resolves to ``None`` or ``""``, the token
  becomes the mapping's fallback (the text after the first ``|``), else the empty string.
- Values are written as text: strings as-is, ``True``/``False`` as ``true``/``false``, whole
  floats without ``.0``, objects and lists as compact JSON.
- HTML templates (``email_html``, ``banner``, ``in_app``) HTML-escape every filled value,
  fallbacks included; the template's own text is trusted and left as written. Text templates
  (``sms_text``, ``voice_script``, ``webhook_json``, ...) insert values raw; a JSON template is
  safe because values go into string *values* that are JSON-encoded later, not into JSON text.
- Unknown tokens — ``{{ x }}`` with no mapping for ``x`` — are left in the output verbatim,
  so the mistake is visible in a preview instead of silently dropping words; they are listed
  in ``CompiledCreative.unknown_tokens`` (the preview endpoint returns them as
  ``unresolvedTokens``). ``{{`` that is not a well-formed token is plain text.

The template is parsed once into ``str.format`` patterns, so rendering one customer is a few
dictionary lookups and one C-level ``format`` call per string that has tokens.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

HTML_TEMPLATE_TYPES = frozenset({"email_html", "banner", "in_app"})
SOURCE_ROOTS = ("customer", "offer", "channel", "placement", "creative")

TOKEN_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")
KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,99}$")
SEGMENT_RE = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")

_MISSING = object()


class SourceError(ValueError):
    """A personalization ``source`` that does not follow ``<root>.<path>[|fallback]``."""


@dataclass(frozen=True)
class Source:
    root: str
    path: tuple[str | int, ...]
    fallback: str

    @property
    def text(self) -> str:
        return ".".join([self.root, *map(str, self.path)])


def parse_source(source: str) -> Source:
    """``customer.attributes.tier|gold`` -> Source("customer", ("attributes", "tier"), "gold")."""
    path_text, _, fallback = source.partition("|")
    segments = path_text.strip().split(".")
    root, rest = segments[0], segments[1:]
    if root not in SOURCE_ROOTS:
        raise SourceError(
            f"must start with one of {', '.join(SOURCE_ROOTS)} (e.g. customer.first_name)"
        )
    if not rest:
        raise SourceError(f"name a field after '{root}.' (e.g. {root}.name)")
    for segment in rest:
        if not SEGMENT_RE.match(segment):
            raise SourceError(f"'{segment}' is not a valid path segment (letters, digits, _ or -)")
    path = tuple(int(s) if s.isdigit() else s for s in rest)
    return Source(root, path, fallback)


def is_html(template_type: str) -> bool:
    return template_type in HTML_TEMPLATE_TYPES


def tokens_in(content: Any) -> set[str]:
    """Every token key used anywhere in ``content``."""
    found: set[str] = set()
    stack = [content]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found.update(TOKEN_RE.findall(node))
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _to_text(value: Any) -> str:
    if value.__class__ is str:
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


def _lookup(value: Any, path: tuple[str | int, ...]) -> Any:
    for segment in path:
        try:
            value = value[segment]
        except (KeyError, IndexError, TypeError):
            if isinstance(segment, int) and isinstance(value, Mapping):
                value = value.get(str(segment), _MISSING)
                if value is _MISSING:
                    return _MISSING
                continue
            return _MISSING
    return value


@dataclass(frozen=True)
class Slot:
    key: str
    source: Source


Renderer = Callable[[Sequence[str]], Any]


def _constant(value: Any) -> Renderer:
    def render(values: Sequence[str]) -> Any:
        return value

    return render


@dataclass(frozen=True)
class Rendered:
    content: dict[str, Any]
    values: dict[str, str]
    missing: list[str] = field(default_factory=list)


class CompiledCreative:
    """A creative's content parsed once; ``render`` fills it for one customer."""

    def __init__(
        self,
        content: Mapping[str, Any],
        personalization: Sequence[Mapping[str, Any]],
        *,
        template_type: str = "email_html",
    ) -> None:
        self.template_type = template_type
        self.html = is_html(template_type)
        mappings: dict[str, Source] = {}
        for item in personalization:
            mappings[str(item["key"])] = parse_source(str(item["source"]))
        used = tokens_in(content)
        self.unknown_tokens: frozenset[str] = frozenset(used - set(mappings))
        self.slots: tuple[Slot, ...] = tuple(
            Slot(key, source) for key, source in mappings.items() if key in used
        )
        self._index = {slot.key: i for i, slot in enumerate(self.slots)}
        self._render_root = self._compile(dict(content))

    # --- compile ---------------------------------------------------------------------------
    def _compile(self, node: Any) -> Renderer:
        if isinstance(node, str):
            return self._compile_string(node)
        if isinstance(node, dict):
            items = [(key, self._compile(value)) for key, value in node.items()]
            return lambda values: {key: render(values) for key, render in items}
        if isinstance(node, list | tuple):
            children = [self._compile(value) for value in node]
            return lambda values: [render(values) for render in children]
        return _constant(node)

    def _compile_string(self, text: str) -> Renderer:
        pieces: list[str] = []
        position = 0
        dynamic = False
        for match in TOKEN_RE.finditer(text):
            key = match.group(1)
            literal = text[position : match.start()]
            pieces.append(literal.replace("{", "{{").replace("}", "}}"))
            if key in self._index:
                pieces.append(f"{{{self._index[key]}}}")
                dynamic = True
            else:
                pieces.append(match.group(0).replace("{", "{{").replace("}", "}}"))
            position = match.end()
        if not dynamic:
            return lambda values: text
        pieces.append(text[position:].replace("{", "{{").replace("}", "}}"))
        pattern = "".join(pieces)
        return lambda values: pattern.format(*values)

    # --- render ----------------------------------------------------------------------------
    def values_for(
        self, customer: Mapping[str, Any], sources: Mapping[str, Any] | None = None
    ) -> tuple[list[str], list[str]]:
        """The escaped text of every used slot, and the keys that fell back."""
        values: list[str] = []
        missing: list[str] = []
        escape = self.html
        for slot in self.slots:
            source = slot.source
            root = customer if source.root == "customer" else (sources or {}).get(source.root)
            value = _MISSING if root is None else _lookup(root, source.path)
            if value is _MISSING or value is None or value == "":
                missing.append(slot.key)
                text = source.fallback
            else:
                text = _to_text(value)
            values.append(html.escape(text) if escape else text)
        return values, missing

    def render(
        self, customer: Mapping[str, Any], sources: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        values, _ = self.values_for(customer, sources)
        return self._render_root(values)

    def render_detailed(
        self, customer: Mapping[str, Any], sources: Mapping[str, Any] | None = None
    ) -> Rendered:
        """Like ``render``, plus each token's value and which tokens used their fallback."""
        values, missing = self.values_for(customer, sources)
        return Rendered(
            content=self._render_root(values),
            values={slot.key: value for slot, value in zip(self.slots, values, strict=True)},
            missing=missing,
        )


_CACHE_MAX_CHARS = 64 * 1024


@lru_cache(maxsize=256)
def _compiled_from_json(content: str, personalization: str, template_type: str) -> CompiledCreative:
    return CompiledCreative(
        json.loads(content), json.loads(personalization), template_type=template_type
    )


def compile_creative(
    content: Mapping[str, Any],
    personalization: Sequence[Mapping[str, Any]],
    *,
    template_type: str = "email_html",
) -> CompiledCreative:
    """Parse once, render many times. Templates up to 64 KB are cached by value."""
    content_key = json.dumps(content, default=str)
    personalization_key = json.dumps(list(personalization), default=str)
    if len(content_key) + len(personalization_key) > _CACHE_MAX_CHARS:
        return CompiledCreative(content, personalization, template_type=template_type)
    return _compiled_from_json(content_key, personalization_key, template_type)


def render_creative(
    content: Mapping[str, Any],
    personalization: Sequence[Mapping[str, Any]],
    customer: Mapping[str, Any],
    *,
    template_type: str = "email_html",
    sources: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Fill ``content``'s tokens for one customer (see the module docstring for the rules)."""
    return compile_creative(content, personalization, template_type=template_type).render(
        customer, sources
    )
