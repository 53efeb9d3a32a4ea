"""Rule conditions: one parser, two back ends (Python closures and a parameterised SQL fragment).

A rule is ``{"combinator": "AND" | "OR", "filters": [filter | group, ...]}`` where a filter is
``{"field", "operator", "value"}`` and a group is a nested rule (at most ``MAX_DEPTH`` deep).
Segments compile rules to SQL over ``audience_customer``; the decision engine evaluates them in
Python over plain dicts. Both back ends implement exactly the same semantics:

Fields
    Dotted paths of safe identifiers (``[A-Za-z_][A-Za-z0-9_-]*``). Without namespaces a field is
    a customer column (``external_id``, ``email``, ``phone``, ``first_name``, ``last_name``,
    ``country``, ``timezone``; camelCase aliases accepted) or ``attributes.<key>[.<key>...]``.
    With ``namespaces`` (e.g. ``("customer", "offer", "channel", "context")``) the first segment
    must be one of them and the rest is any path. In Python a path walks nested mappings; in SQL
    the first segment(s) name a column (``column_sql`` maps it) and the rest are JSON keys sent as
    query parameters (``col -> %s``), so no user text is ever spliced into the SQL.

Comparison domain
    The rule's value decides how the record's value is read:

    - a JSON number (not a boolean) -> numeric: JSON numbers, and strings of the numeric grammar
      ``[+-]digits[.digits][e[+-]ddd]`` (at most 100 characters), compare as exact decimals;
    - a string in ISO form (``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]`` with optional
      ``Z``/``±HH:MM``) -> date: record strings of that form compare as instants; a naive value
      is UTC and a date is its midnight UTC;
    - any other string -> text: only strings (text columns, JSON strings) compare, by code point;
    - ``true``/``false`` -> boolean: only JSON booleans compare (``eq``, ``neq``, ``in``,
      ``not_in``).

    ``in``/``not_in`` take a non-empty list (at most ``MAX_LIST``) whose items share one domain.
    ``contains``, ``starts_with`` and ``regex`` always use the text domain and are
    case-sensitive. ``regex`` accepts a portable subset (see ``_translate_regex``) that means
    the same in Python ``re`` and PostgreSQL ``~``; the match is a search (unanchored).

Missing, null and mistyped values
    A value is *absent* when the path does not exist, or is JSON/SQL null. It is *mistyped* when
    it cannot be read in the filter's domain (``"abc"`` for a numeric filter, ``42`` for a text
    filter, an object, ...). Then:

    - ``eq``, ``gt``, ``gte``, ``lt``, ``lte``, ``in``, ``contains``, ``starts_with``, ``regex``
      are false;
    - ``neq`` and ``not_in`` are their exact negations (``NOT eq`` / ``NOT in``), so they are
      TRUE for absent or mistyped values ("country is not NO" includes customers without one);
    - ``is_null`` is true only for absent values (an empty string or a mistyped value is not
      null); ``is_not_null`` is its negation.

    An empty group matches everything, whatever its combinator. Every compiled SQL condition is
    two-valued (``COALESCE(..., FALSE)``), so ``NOT``/``OR`` never meet SQL ``NULL``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from core.errors import InvalidInput

OPERATORS = (
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "not_in",
    "contains",
    "starts_with",
    "regex",
    "is_null",
    "is_not_null",
)
COMBINATORS = ("AND", "OR")
CUSTOMER_COLUMNS = (
    "external_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "country",
    "timezone",
)
CUSTOMER_ALIASES = {"externalId": "external_id", "firstName": "first_name", "lastName": "last_name"}
JSON_COLUMN = "attributes"
MAX_DEPTH = 5
MAX_FILTERS = 200
MAX_LIST = 1000
MAX_STRING = 1000
MAX_REGEX = 200
MAX_PATH = 8

Domain = Literal["number", "date", "text", "boolean", "none"]

_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
_NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?"
_DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_OFFSET = r"(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])"
_NAIVE = f"{_DATE}({_TIME})?"
_AWARE = f"{_DATE}{_TIME}{_OFFSET}"
_NUMBER_RE = re.compile(_NUMBER)
_NAIVE_RE = re.compile(_NAIVE)
_AWARE_RE = re.compile(_AWARE)
MAX_NUMBER_TEXT = 100

_ORDERING = ("gt", "gte", "lt", "lte")
_TEXT_ONLY = ("contains", "starts_with", "regex")
_NULL_OPS = ("is_null", "is_not_null")
_LIST_OPS = ("in", "not_in")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: Any  # the normalized JSON value (as stored)
    path: tuple[str, ...]  # full path for Python evaluation
    column: str  # what ``column_sql`` receives
    keys: tuple[str, ...]  # JSON keys below the column (empty for a plain column)
    domain: Domain
    operand: Any  # the literal converted to its domain (Decimal, datetime, str, bool, list)
    pg_regex: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "operator": self.operator, "value": self.value}


@dataclass(frozen=True)
class Rule:
    combinator: str
    filters: tuple[Condition | Rule, ...]
    _predicate: list[Callable[[Mapping[str, Any]], bool]] = field(
        default_factory=list, compare=False, repr=False
    )

    def to_dict(self) -> dict[str, Any]:
        return {"combinator": self.combinator, "filters": [f.to_dict() for f in self.filters]}

    def conditions(self) -> Iterator[Condition]:
        for item in self.filters:
            if isinstance(item, Rule):
                yield from item.conditions()
            else:
                yield item

    @property
    def is_empty(self) -> bool:
        return not self.filters


# --------------------------------------------------------------------------- parsing


class _Errors:
    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.details.setdefault(path, []).append(message)


def parse_rule(raw: Any, *, namespaces: Sequence[str] | None = None) -> Rule:
    """Validate ``raw`` and return a ``Rule``; raise ``InvalidInput`` naming each bad filter."""
    if isinstance(raw, Rule):
        return raw
    ns = tuple(n.rstrip(".") for n in namespaces) if namespaces is not None else None
    errors = _Errors()
    counter = [0]
    rule = _parse_group(raw, "", 0, ns, errors, counter)
    if errors.details or rule is None:
        first_path, messages = next(iter(errors.details.items()))
        where = f"{first_path}: " if first_path else ""
        raise InvalidInput(f"Invalid rule: {where}{messages[0]}", details=errors.details)
    return rule


def _parse_group(
    raw: Any,
    prefix: str,
    depth: int,
    ns: tuple[str, ...] | None,
    errors: _Errors,
    counter: list[int],
) -> Rule | None:
    here = prefix.rstrip(".") or "rule"
    if not isinstance(raw, Mapping):
        errors.add(here, "Must be an object with 'combinator' and 'filters'.")
        return None
    unknown = sorted(set(raw) - {"combinator", "filters"})
    if unknown:
        errors.add(f"{prefix}{unknown[0]}", "Unknown key; expected 'combinator' and 'filters'.")
    combinator = raw.get("combinator", "AND")
    if not isinstance(combinator, str) or combinator.upper() not in COMBINATORS:
        errors.add(f"{prefix}combinator", "Must be 'AND' or 'OR'.")
        combinator = "AND"
    filters = raw.get("filters", [])
    if not isinstance(filters, list):
        errors.add(f"{prefix}filters", "Must be a list.")
        return None
    parsed: list[Condition | Rule] = []
    for index, item in enumerate(filters):
        path = f"{prefix}filters[{index}]"
        counter[0] += 1
        if counter[0] > MAX_FILTERS:
            errors.add(path, f"A rule holds at most {MAX_FILTERS} filters.")
            break
        if isinstance(item, Mapping) and "filters" in item and "field" not in item:
            if depth + 1 >= MAX_DEPTH:
                errors.add(path, f"Groups nest at most {MAX_DEPTH} levels deep.")
                continue
            group = _parse_group(item, f"{path}.", depth + 1, ns, errors, counter)
            if group is not None:
                parsed.append(group)
            continue
        condition = _parse_condition(item, path, ns, errors)
        if condition is not None:
            parsed.append(condition)
    return Rule(combinator=combinator.upper(), filters=tuple(parsed))


def _parse_condition(
    raw: Any, path: str, ns: tuple[str, ...] | None, errors: _Errors
) -> Condition | None:
    if not isinstance(raw, Mapping):
        errors.add(path, "Must be an object with 'field', 'operator' and 'value'.")
        return None
    unknown = sorted(set(raw) - {"field", "operator", "value"})
    if unknown:
        errors.add(f"{path}.{unknown[0]}", "Unknown key; expected 'field', 'operator', 'value'.")
        return None
    located = _parse_field(raw.get("field"), f"{path}.field", ns, errors)
    operator = raw.get("operator")
    if not isinstance(operator, str) or operator not in OPERATORS:
        errors.add(f"{path}.operator", f"Must be one of: {', '.join(OPERATORS)}.")
        return None
    value = raw.get("value")
    typed = _parse_value(operator, value, f"{path}.value", errors)
    if located is None or typed is None:
        return None
    name, full, column, keys = located
    domain, operand, stored, pg_regex = typed
    return Condition(
        field=name,
        operator=operator,
        value=stored,
        path=full,
        column=column,
        keys=keys,
        domain=domain,
        operand=operand,
        pg_regex=pg_regex,
    )


def _parse_field(
    raw: Any, path: str, ns: tuple[str, ...] | None, errors: _Errors
) -> tuple[str, tuple[str, ...], str, tuple[str, ...]] | None:
    if not isinstance(raw, str) or not raw:
        errors.add(path, "Must be a non-empty string.")
        return None
    segments = raw.split(".")
    if len(raw) > 200 or len(segments) > MAX_PATH:
        errors.add(path, f"At most {MAX_PATH} dotted segments and 200 characters.")
        return None
    bad = next((s for s in segments if not _SEGMENT.fullmatch(s)), None)
    if bad is not None:
        errors.add(
            path,
            "Each dotted segment must start with a letter or '_' and contain only letters, "
            "digits, '_' or '-' (at most 64 characters).",
        )
        return None
    if ns is not None:
        if segments[0] not in ns or len(segments) < 2:
            errors.add(path, f"Must start with one of: {', '.join(f'{n}.' for n in ns)}")
            return None
        column = ".".join(segments[:2])
        return raw, tuple(segments), column, tuple(segments[2:])
    head = CUSTOMER_ALIASES.get(segments[0], segments[0])
    if head == JSON_COLUMN:
        if len(segments) < 2:
            errors.add(path, "Name an attribute: 'attributes.<key>'.")
            return None
        return raw, tuple(segments), JSON_COLUMN, tuple(segments[1:])
    if head in CUSTOMER_COLUMNS and len(segments) == 1:
        return head, (head,), head, ()
    errors.add(
        path,
        f"Unknown customer field; use one of: {', '.join(CUSTOMER_COLUMNS)} or 'attributes.<key>'.",
    )
    return None


def _parse_value(
    operator: str, value: Any, path: str, errors: _Errors
) -> tuple[Domain, Any, Any, str | None] | None:
    if operator in _NULL_OPS:
        if value not in (None, ""):
            errors.add(path, f"'{operator}' takes no value.")
            return None
        return "none", None, None, None
    if operator in _LIST_OPS:
        if not isinstance(value, list) or not value or len(value) > MAX_LIST:
            errors.add(path, f"'{operator}' needs a non-empty list of at most {MAX_LIST} values.")
            return None
        items = [_scalar(v) for v in value]
        if any(item is None for item in items):
            errors.add(path, "List items must be numbers, strings or booleans (not null).")
            return None
        domains = {item[0] for item in items if item is not None}
        if domains == {"date", "text"}:
            items = [("text", v, v) for v in value]  # a mixed list compares as text
            domains = {"text"}
        if len(domains) != 1:
            errors.add(path, "All list items must be of one type (numbers, strings or booleans).")
            return None
        bad = next((err for item in items if item and (err := _check_text(item[2]))), None)
        if bad:
            errors.add(path, bad)
            return None
        domain = domains.pop()
        return domain, [i[1] for i in items if i], [i[2] for i in items if i], None
    scalar = _scalar(value)
    if scalar is None:
        errors.add(path, "Must be a number, a string or a boolean.")
        return None
    domain, operand, stored = scalar
    if problem := _check_text(stored):
        errors.add(path, problem)
        return None
    if operator in _TEXT_ONLY:
        if not isinstance(value, str):
            errors.add(path, f"'{operator}' needs a string.")
            return None
        if operator == "regex":
            try:
                py, pg = _translate_regex(value)
            except ValueError as exc:
                errors.add(path, f"Invalid regex: {exc}")
                return None
            return "text", re.compile(py, re.DOTALL), value, pg
        return "text", value, value, None
    if operator in _ORDERING and domain == "boolean":
        errors.add(path, f"'{operator}' needs a number, a date or a string.")
        return None
    return domain, operand, stored, None


def _check_text(value: Any) -> str | None:
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            return f"Strings are at most {MAX_STRING} characters."
        if "\x00" in value:
            return "Strings must not contain NUL characters."
    return None


def _scalar(value: Any) -> tuple[Domain, Any, Any] | None:
    if isinstance(value, bool):
        return "boolean", value, value
    if isinstance(value, int):
        return "number", Decimal(value), value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return "number", Decimal(repr(value)), value
    if isinstance(value, str):
        moment = parse_datetime_text(value)
        if moment is not None:
            return "date", moment, value
        return "text", value, value
    return None


# --------------------------------------------------------------------------- value reading


def parse_datetime_text(text: str) -> datetime | None:
    """An aware UTC datetime for an ISO date/datetime string of the rule grammar, else None."""
    aware = _AWARE_RE.fullmatch(text) is not None
    if not aware and _NAIVE_RE.fullmatch(text) is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and len(value) <= MAX_NUMBER_TEXT and _NUMBER_RE.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the grammar excludes it
            return None
    return None


def _as_date(value: Any) -> datetime | None:
    if isinstance(value, str):
        return parse_datetime_text(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    return None


def _as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _as_boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


_READERS: dict[str, Callable[[Any], Any]] = {
    "number": _as_number,
    "date": _as_date,
    "text": _as_text,
    "boolean": _as_boolean,
}

_MISSING = object()


def _getter(path: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Any]:
    if len(path) == 1:
        key = path[0]
        return lambda record: record.get(key)

    def get(record: Mapping[str, Any]) -> Any:
        current: Any = record
        for key in path:
            if type(current) is not dict and not isinstance(current, Mapping):
                return None
            current = current.get(key, _MISSING)
            if current is _MISSING:
                return None
        return current

    return get


# --------------------------------------------------------------------------- Python back end


def evaluate(rule: Rule | Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Evaluate ``rule`` against ``record`` (a plain mapping). The rule compiles once."""
    return predicate(rule)(record)


def predicate(rule: Rule | Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    """The compiled closure ``evaluate`` calls (cached on the rule), for hot loops."""
    if not isinstance(rule, Rule):
        rule = parse_rule(rule)
    if not rule._predicate:
        rule._predicate.append(compile_python(rule))
    return rule._predicate[0]


def compile_python(rule: Rule) -> Callable[[Mapping[str, Any]], bool]:
    """A closure evaluating ``rule``; ``evaluate`` caches it on the rule."""
    parts = [
        compile_python(item) if isinstance(item, Rule) else _condition_predicate(item)
        for item in rule.filters
    ]
    if not parts:
        return lambda record: True
    if len(parts) == 1:
        return parts[0]
    if rule.combinator == "AND":
        return lambda record: all(part(record) for part in parts)
    return lambda record: any(part(record) for part in parts)


def _condition_predicate(cond: Condition) -> Callable[[Mapping[str, Any]], bool]:
    get = _getter(cond.path)
    op = cond.operator
    if op == "is_null":
        return lambda record: get(record) is None
    if op == "is_not_null":
        return lambda record: get(record) is not None
    read = _READERS[cond.domain]
    operand = cond.operand

    if op in ("in", "not_in"):
        members = frozenset(operand)
        negate = op == "not_in"

        def member(record: Mapping[str, Any]) -> bool:
            value = read(get(record))
            return (value is not None and value in members) != negate

        return member
    if op == "regex":
        search = operand.search
        return lambda record: (v := _as_text(get(record))) is not None and bool(search(v))
    test = _TESTS[op]
    negate = op == "neq"

    def compare(record: Mapping[str, Any]) -> bool:
        value = read(get(record))
        return (value is not None and test(value, operand)) != negate

    return compare


_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda v, o: v == o,
    "neq": lambda v, o: v == o,  # negated by the caller
    "gt": lambda v, o: v > o,
    "gte": lambda v, o: v >= o,
    "lt": lambda v, o: v < o,
    "lte": lambda v, o: v <= o,
    "contains": lambda v, o: o in v,
    "starts_with": lambda v, o: v.startswith(o),
}


# --------------------------------------------------------------------------- SQL back end

_PG_NUMBER = f"^({_NUMBER})$"
_PG_NAIVE = f"^({_NAIVE})$"
_PG_AWARE = f"^({_AWARE})$"
_CASTS = {"number": "numeric", "date": "timestamptz", "text": "text", "boolean": "boolean"}
_SQL_OPS = {"eq": "=", "neq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def compile_sql(rule: Rule, *, column_sql: Callable[[str], str]) -> tuple[str, list[Any]]:
    """A parameterised boolean SQL expression (``%s`` placeholders) and its parameters.

    ``column_sql(column)`` returns trusted SQL for a column: text for plain columns, ``jsonb``
    for one followed by keys (``attributes``). Keys and values are always parameters.
    """
    params: list[Any] = []
    sql = _group_sql(rule, column_sql, params)
    return sql, params


def _group_sql(rule: Rule, column_sql: Callable[[str], str], params: list[Any]) -> str:
    if not rule.filters:
        return "TRUE"
    parts = [
        _group_sql(item, column_sql, params)
        if isinstance(item, Rule)
        else _condition_sql(item, column_sql, params)
        for item in rule.filters
    ]
    return "(" + f" {rule.combinator} ".join(parts) + ")"


class _Expr:
    """A SQL snippet with its own parameters, which can be repeated inside a larger one."""

    def __init__(self, sql: str, params: list[Any]) -> None:
        self.sql = sql
        self.params = params


def _fill(template: str, **exprs: _Expr) -> _Expr:
    """Substitute ``«name»`` expressions in order of appearance, collecting their params."""
    out_params: list[Any] = []
    pieces = re.split(r"«(\w+)»", template)
    sql = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            sql.append(piece)
        else:
            expr = exprs[piece]
            sql.append(expr.sql)
            out_params.extend(expr.params)
    return _Expr("".join(sql), out_params)


def _param(value: Any, cast: str) -> _Expr:
    return _Expr(f"%s::{cast}", [value])


def _condition_sql(cond: Condition, column_sql: Callable[[str], str], params: list[Any]) -> str:
    column = column_sql(cond.column)
    if cond.keys:
        node = _Expr(
            f"({column}" + "".join(" -> %s::text" for _ in cond.keys) + ")", list(cond.keys)
        )
        is_null = _fill("(«j» IS NULL OR jsonb_typeof(«j») = 'null')", j=node)
        text = _fill("(CASE WHEN jsonb_typeof(«j») = 'string' THEN «j» #>> '{}' END)", j=node)
    else:
        node = _Expr(f"({column})", [])
        is_null = _fill("(«c» IS NULL)", c=node)
        text = node
    op = cond.operator
    if op in _NULL_OPS:
        expr = is_null if op == "is_null" else _fill("(NOT «n»)", n=is_null)
        params.extend(expr.params)
        return expr.sql

    typed = _typed(cond.domain, node, text, keyed=bool(cond.keys))
    if op in _LIST_OPS:
        cast = _CASTS[cond.domain]
        placeholders = ", ".join(f"%s::{cast}" for _ in cond.operand)
        expr = _fill(f"COALESCE(«x» IN ({placeholders}), FALSE)", x=typed)
        expr.params.extend(cond.operand)
        if op == "not_in":
            expr = _Expr(f"(NOT {expr.sql})", expr.params)
    elif op == "contains":
        expr = _fill(
            "COALESCE(strpos(«x», «p») > 0, FALSE)", x=typed, p=_param(cond.operand, "text")
        )
    elif op == "starts_with":
        expr = _fill(
            "COALESCE(starts_with(«x», «p»), FALSE)", x=typed, p=_param(cond.operand, "text")
        )
    elif op == "regex":
        expr = _fill("COALESCE(«x» ~ «p», FALSE)", x=typed, p=_param(cond.pg_regex, "text"))
    else:
        p = _param(cond.operand, _CASTS[cond.domain])
        expr = _fill(f"COALESCE(«x» {_SQL_OPS[op]} «p», FALSE)", x=typed, p=p)
        if op == "neq":
            expr = _Expr(f"(NOT {expr.sql})", expr.params)
    params.extend(expr.params)
    return expr.sql


def _typed(domain: Domain, node: _Expr, text: _Expr, *, keyed: bool) -> _Expr:
    """``node`` read in ``domain``: SQL NULL when absent or mistyped (see the module doc)."""
    if domain == "text":
        return _fill('(«t» COLLATE "C")', t=text)
    if domain == "boolean":
        if not keyed:
            return _Expr("(NULL::boolean)", [])
        return _fill("(CASE WHEN jsonb_typeof(«j») = 'boolean' THEN («j»)::boolean END)", j=node)
    if domain == "number":
        from_text = _fill(
            f"(CASE WHEN «t» ~ '{_PG_NUMBER}' AND length(«t») <= {MAX_NUMBER_TEXT} "
            "THEN («t»)::numeric END)",
            t=text,
        )
        if not keyed:
            return from_text
        return _fill(
            "(CASE WHEN jsonb_typeof(«j») = 'number' THEN («j»)::numeric ELSE «f» END)",
            j=node,
            f=from_text,
        )
    # date
    return _fill(
        f"(CASE WHEN «t» ~ '{_PG_AWARE}' AND pg_input_is_valid(«t», 'timestamptz') "
        "THEN («t»)::timestamptz "
        f"WHEN «t» ~ '{_PG_NAIVE}' AND pg_input_is_valid(«t», 'timestamp') "
        "THEN ((«t»)::timestamp AT TIME ZONE 'UTC') END)",
        t=text,
    )


# --------------------------------------------------------------------------- regex subset

_CLASS_ESCAPES = {"d": "0-9", "w": "A-Za-z0-9_", "s": " \\t\\n\\r\\f\\v"}
_CHAR_ESCAPES = {"n": "\\n", "t": "\\t", "r": "\\r", "f": "\\f", "v": "\\v"}
_MAX_REPEAT = 255


@dataclass
class _Group:
    has_quantifier: bool = False
    has_alternation: bool = False


def _translate_regex(pattern: str) -> tuple[str, str]:
    """Validate a portable regex and return (Python pattern, PostgreSQL ARE pattern).

    Supported: literals, ``.``, ``^``, ``$``, ``[...]``/``[^...]`` with ranges, ``\\d \\w \\s``
    (ASCII) and their negations outside brackets, ``\\n \\t \\r \\f \\v``, escaped
    punctuation, ``( )``, ``(?: )``, ``|``, ``* + ?`` and ``{m}``/``{m,}``/``{m,n}`` (m, n <=
    255, optionally lazy). Rejected because the two engines disagree or can backtrack
    catastrophically: other escapes (``\\b``, back references, ``\\A``...), lookarounds, named
    groups, inline flags, POSIX classes, and a group containing a quantifier or ``|`` that is
    itself repeated more than once.
    """
    if len(pattern) > MAX_REGEX:
        raise ValueError(f"at most {MAX_REGEX} characters")
    py: list[str] = []
    pg: list[str] = []
    stack: list[_Group] = [_Group()]
    last_group: _Group | None = None  # the group just closed (the next atom may repeat it)
    can_repeat = False
    i = 0
    n = len(pattern)

    def emit(both: str, pg_only: str | None = None) -> None:
        py.append(both)
        pg.append(both if pg_only is None else pg_only)

    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError("trailing backslash")
            e = pattern[i + 1]
            i += 2
            if e in _CLASS_ESCAPES:
                emit(f"[{_CLASS_ESCAPES[e]}]")
            elif e.lower() in _CLASS_ESCAPES:
                emit(f"[^{_CLASS_ESCAPES[e.lower()]}]")
            elif e in _CHAR_ESCAPES:
                emit(_CHAR_ESCAPES[e])
            elif e.isalnum() or e == "_":
                raise ValueError(f"unsupported escape '\\{e}'")
            else:
                emit(_literal(e))
            can_repeat, last_group = True, None
            continue
        if c == "[":
            body, i = _bracket(pattern, i)
            emit(body)
            can_repeat, last_group = True, None
            continue
        if c == "(":
            if pattern.startswith("(?:", i):
                emit("(?:")
                i += 3
            elif pattern.startswith("(?", i):
                raise ValueError("only '(?:' groups are supported")
            else:
                emit("(")
                i += 1
            stack.append(_Group())
            can_repeat, last_group = False, None
            continue
        if c == ")":
            if len(stack) == 1:
                raise ValueError("unbalanced ')'")
            closed = stack.pop()
            stack[-1].has_quantifier |= closed.has_quantifier
            stack[-1].has_alternation |= closed.has_alternation
            emit(")")
            i += 1
            can_repeat, last_group = True, closed
            continue
        if c == "|":
            stack[-1].has_alternation = True
            emit("|")
            i += 1
            can_repeat, last_group = False, None
            continue
        if c in "*+?{":
            if not can_repeat:
                raise ValueError(f"nothing to repeat at position {i}")
            if c == "{":
                close = pattern.find("}", i)
                bounds = pattern[i + 1 : close] if close > 0 else ""
                m = re.fullmatch(r"([0-9]{1,3})(,([0-9]{0,3}))?", bounds)
                if not m:
                    raise ValueError("a '{' must be a repeat such as {2}, {2,} or {2,5}")
                low = int(m.group(1))
                high = low if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
                if low > _MAX_REPEAT or (high is not None and (high > _MAX_REPEAT or high < low)):
                    raise ValueError(f"repeat bounds must satisfy m <= n <= {_MAX_REPEAT}")
                token = pattern[i : close + 1]
                i = close + 1
                many = high is None or high > 1
            else:
                token = c
                i += 1
                many = c != "?"
            if i < n and pattern[i] == "?":
                token += "?"
                i += 1
            if (
                last_group is not None
                and many
                and (last_group.has_quantifier or last_group.has_alternation)
            ):
                raise ValueError("a repeated group must not contain a repeat or '|'")
            stack[-1].has_quantifier = True
            emit(token)
            can_repeat, last_group = False, None
            continue
        if c == "^":
            emit("^")
            can_repeat = False
        elif c == "$":
            emit("\\Z", "$")
            can_repeat = False
        elif c == ".":
            emit(".")
            can_repeat = True
        else:
            emit(_literal(c))
            can_repeat = True
        last_group = None
        i += 1
    if len(stack) != 1:
        raise ValueError("unbalanced '('")
    python_pattern = "".join(py)
    try:
        re.compile(python_pattern, re.DOTALL)
    except re.error as exc:  # pragma: no cover - the grammar above should prevent it
        raise ValueError(str(exc)) from None
    return python_pattern, "".join(pg)


_CONTROL = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\f", "\v": "\\v"}


def _literal(c: str) -> str:
    if c in _CONTROL:
        return _CONTROL[c]
    if c.isascii() and not c.isalnum() and c not in " _":
        return "\\" + c
    return c


def _bracket(pattern: str, start: int) -> tuple[str, int]:
    """Parse ``[...]`` at ``start``; return its canonical form and the index after it."""
    i = start + 1
    n = len(pattern)
    out = ["["]
    if i < n and pattern[i] == "^":
        out.append("^")
        i += 1
    atoms: list[tuple[str, str | None]] = []  # (emitted, char-or-None for class escapes)
    first = True
    while True:
        if i >= n:
            raise ValueError("unterminated '['")
        c = pattern[i]
        if c == "]" and not first:
            i += 1
            break
        first = False
        if c == "\\":
            if i + 1 >= n:
                raise ValueError("trailing backslash")
            e = pattern[i + 1]
            i += 2
            if e in _CLASS_ESCAPES:
                atoms.append((_CLASS_ESCAPES[e], None))
            elif e.lower() in _CLASS_ESCAPES:
                raise ValueError(f"'\\{e}' is not supported inside brackets")
            elif e in _CHAR_ESCAPES:
                atoms.append(
                    (_CHAR_ESCAPES[e], {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}[e])
                )
            elif e.isalnum() or e == "_":
                raise ValueError(f"unsupported escape '\\{e}'")
            else:
                atoms.append((_literal(e), e))
            continue
        if c == "[" and i + 1 < n and pattern[i + 1] in ":.=":
            raise ValueError("POSIX classes such as [:alpha:] are not supported")
        if c == "-" and atoms and i + 1 < n and pattern[i + 1] != "]":
            low = atoms.pop()
            i += 1
            hc = pattern[i]
            if hc == "\\":
                if i + 1 >= n:
                    raise ValueError("trailing backslash")
                e = pattern[i + 1]
                if e.isalnum() or e == "_":
                    raise ValueError("a range must be between two characters")
                hc = e
                i += 2
            elif hc == "[":
                raise ValueError("a range must be between two characters")
            else:
                i += 1
            if low[1] is None:
                raise ValueError("a range must be between two characters")
            if ord(low[1]) > ord(hc):
                raise ValueError(f"bad range {low[1]}-{hc}")
            atoms.append((f"{_literal(low[1])}-{_literal(hc)}", low[1]))
            continue
        atoms.append((_literal(c), c))
        i += 1
    out.extend(a for a, _ in atoms)
    out.append("]")
    return "".join(out), i
