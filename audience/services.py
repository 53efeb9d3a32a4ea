"""Writes for customers and segments. Validation lives here (serializers only check shapes)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audience import segment_sql
from audience.importer import merge_batch, staged_row
from audience.models import Customer, Segment, SegmentMember, SegmentStats
from audience.validation import ATTRIBUTES_JSON, clean_customer, raise_if_errors
from core.errors import Conflict, InvalidInput
from core.models import Tenant
from core.services import entity_soft_delete, model_update

BULK_MAX_ROWS = 10_000
MEMBERS_MAX_IDS = 10_000
MEMBERS_CSV_MAX_IDS = 200_000
CUSTOMER_FIELDS = list(Customer.PROFILE_FIELDS)
SEGMENT_FIELDS = ["name", "description", "segment_type", "combinator", "filters"]
PREVIEW_STATEMENT_TIMEOUT_MS = 30_000


# --- Customers -----------------------------------------------------------------------------


def _ensure_external_id_free(tenant_id: str, external_id: str, exclude_pk: int | None) -> None:
    clash = Customer.objects.filter(tenant_id=tenant_id, external_id=external_id)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(
            f"A customer with externalId '{external_id}' already exists.",
            details={"externalId": ["A live customer with this externalId already exists."]},
        )


def customer_create(*, tenant: Tenant, data: dict[str, Any]) -> Customer:
    """``data`` is wire-shaped (``externalId``, ``firstName``...)."""
    values, errors = clean_customer(data)
    raise_if_errors(errors)
    values.pop(ATTRIBUTES_JSON, None)
    if values.get("attributes") is None:
        values["attributes"] = {}
    _ensure_external_id_free(tenant.pk, values["external_id"], None)
    customer = Customer(tenant=tenant, **values)
    customer.save()
    return customer


def customer_update(*, customer: Customer, data: dict[str, Any]) -> Customer:
    """Changes only the fields sent; ``attributes`` is replaced as a whole."""
    values, errors = clean_customer(data, partial=True)
    if "externalId" in data and not values.get("external_id") and "externalId" not in errors:
        errors["externalId"] = ["This field may not be blank."]
    raise_if_errors(errors)
    values.pop(ATTRIBUTES_JSON, None)
    if "attributes" in values and values["attributes"] is None:
        values["attributes"] = {}
    if "external_id" in values:
        _ensure_external_id_free(customer.tenant_id, values["external_id"], customer.pk)
    with transaction.atomic():
        customer, _ = model_update(instance=customer, fields=CUSTOMER_FIELDS, data=values)
    return customer


def customer_delete(*, customer: Customer) -> Customer:
    entity_soft_delete(instance=customer)
    return customer


def customers_bulk_upsert(*, tenant: Tenant, rows: Any) -> dict[str, Any]:
    """Upsert up to ``BULK_MAX_ROWS`` wire-shaped rows by ``externalId``.

    Every bad row is reported with its index and reasons; the good rows are written (see
    ``audience.importer`` for the merge rules). A repeated ``externalId`` is an error on its
    later rows.
    """
    if not isinstance(rows, list):
        raise InvalidInput("customers must be a list", details={"customers": ["Must be a list."]})
    if len(rows) > BULK_MAX_ROWS:
        raise InvalidInput(
            f"At most {BULK_MAX_ROWS} customers per request",
            details={"customers": [f"At most {BULK_MAX_ROWS} rows per request (got {len(rows)})."]},
        )
    errors: list[dict[str, Any]] = []
    staged = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(rows):
        values, problems = clean_customer(raw)
        external_id = str(values.get("external_id"))
        if not problems and external_id in first_index:
            problems = {"externalId": [f"Duplicate of row {first_index[external_id]}."]}
        if problems:
            sent = raw.get("externalId") if isinstance(raw, dict) else None
            errors.append(
                {
                    "index": index,
                    "externalId": sent if isinstance(sent, str) else None,
                    "details": problems,
                }
            )
            continue
        first_index[external_id] = index
        staged.append(staged_row(index, values))
    result = merge_batch(tenant=tenant, rows=staged)
    return {
        "received": len(rows),
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "failed": len(errors),
        "errors": errors,
    }


# --- Segments ------------------------------------------------------------------------------


def _clean_segment(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = values.get("name")
    if "name" in values and (not isinstance(name, str) or not name.strip()):
        errors["name"] = ["This field may not be blank."]
    elif isinstance(name, str):
        values["name"] = name.strip()
    if "segment_type" in values and values["segment_type"] not in Segment.SegmentType.values:
        errors["segmentType"] = ["Must be 'rule' or 'static'."]
    combinator = values.get("combinator", "AND")
    if isinstance(combinator, str) and combinator.upper() in ("AND", "OR"):
        values["combinator"] = combinator.upper()
    else:
        errors["combinator"] = ["Must be 'AND' or 'OR'."]
    if errors:
        raise_if_errors(errors)
    rule = segment_sql.parse_segment_rule(values["combinator"], values.get("filters", []))
    values["filters"] = rule.to_dict()["filters"]
    return values


def _ensure_segment_name_free(tenant_id: str, name: str, exclude_pk: str | None) -> None:
    clash = Segment.objects.filter(tenant_id=tenant_id, name=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(
            f"A segment named '{name}' already exists.",
            details={"name": ["A live segment with this name already exists."]},
        )


def _after_commit_refresh(segment_id: str) -> None:
    from audience.tasks import segment_refresh_task

    transaction.on_commit(lambda: segment_refresh_task.delay(segment_id), robust=True)


@transaction.atomic
def segment_create(
    *,
    tenant: Tenant,
    name: str,
    description: str = "",
    segment_type: str = Segment.SegmentType.RULE,
    combinator: str = "AND",
    filters: list[Any] | None = None,
) -> Segment:
    values = _clean_segment(
        {
            "name": name,
            "description": description or "",
            "segment_type": segment_type,
            "combinator": combinator,
            "filters": filters if filters is not None else [],
        }
    )
    _ensure_segment_name_free(tenant.pk, values["name"], None)
    segment = Segment(tenant=tenant, **values)
    segment.full_clean(validate_unique=False, validate_constraints=False)
    segment.save()
    SegmentStats.objects.create(segment=segment)
    segment_sql.view_create_or_replace(segment)
    _after_commit_refresh(segment.pk)
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, data: dict[str, Any]) -> Segment:
    """Changes only the fields sent; a changed rule or type rebuilds the view."""
    sent = {k: v for k, v in data.items() if k in SEGMENT_FIELDS}
    current = {"combinator": segment.combinator, "filters": segment.filters}
    cleaned = _clean_segment({**current, **sent})
    if "name" in sent:
        _ensure_segment_name_free(segment.tenant_id, cleaned["name"], segment.pk)
    changes = {k: cleaned[k] for k in sent}
    segment, changed = model_update(instance=segment, fields=SEGMENT_FIELDS, data=changes)
    if changed and {"combinator", "filters", "segment_type"} & set(changes):
        segment_sql.view_create_or_replace(segment)
        _after_commit_refresh(segment.pk)
    return segment


def _live_dependents(segment: Segment) -> dict[str, int]:
    """Live rows of other apps that point at the segment (e.g. campaigns), by model."""
    found: dict[str, int] = {}
    for relation in Segment._meta.related_objects:
        model = relation.related_model
        if model in (SegmentStats, SegmentMember) or not relation.one_to_many:
            continue
        if not any(f.name == "deleted_at" for f in model._meta.fields):
            continue
        manager = getattr(model, "all_objects", model._default_manager)
        count = manager.filter(**{relation.field.name: segment, "deleted_at__isnull": True}).count()
        if count:
            found[model._meta.verbose_name_plural.__str__()] = count
    return found


def segment_delete(*, segment: Segment) -> Segment:
    """Soft-delete (409 while live campaigns use it); the view is dropped with it."""
    dependents = _live_dependents(segment)
    if dependents:
        what = ", ".join(f"{n} {name}" for name, n in dependents.items())
        raise Conflict(f"Segment '{segment.name}' is used by {what}.", details=dependents)
    entity_soft_delete(instance=segment)
    return segment


def segment_refresh(*, segment: Segment) -> Segment:
    """Count the segment's customers now (through its view) and store the figure."""
    view = segment_sql.quoted_view_name(segment.view_name)
    with transaction.atomic():
        if not segment_sql.view_exists(segment.view_name):
            segment_sql.view_create_or_replace(segment)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {view}")
            (count,) = cursor.fetchone()
        now = timezone.now()
        SegmentStats.objects.update_or_create(
            segment=segment, defaults={"customer_count": count, "last_refreshed_at": now}
        )
    segment.refresh_from_db()
    return segment


# --- Static segment members ----------------------------------------------------------------


def _clean_external_ids(external_ids: Any, max_ids: int) -> list[str]:
    if not isinstance(external_ids, list) or not all(isinstance(x, str) for x in external_ids):
        raise InvalidInput(
            "externalIds must be a list of strings",
            details={"externalIds": ["Must be a list of strings."]},
        )
    if len(external_ids) > max_ids:
        raise InvalidInput(
            f"At most {max_ids} ids per request",
            details={"externalIds": [f"At most {max_ids} ids per request."]},
        )
    cleaned = [x.strip() for x in external_ids]
    if any("\x00" in x or len(x) > 128 for x in cleaned):
        raise InvalidInput(
            "Invalid externalIds", details={"externalIds": ["At most 128 characters, no NUL."]}
        )
    return list(dict.fromkeys(x for x in cleaned if x))


def _customer_ids_by_external_id(tenant_id: str, external_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(external_ids), MEMBERS_MAX_IDS):
        chunk = external_ids[start : start + MEMBERS_MAX_IDS]
        found.update(
            Customer.objects.filter(tenant_id=tenant_id, external_id__in=chunk).values_list(
                "external_id", "id"
            )
        )
    return found


def segment_members_change(
    *, segment: Segment, external_ids: Any, mode: str = "add", max_ids: int = MEMBERS_MAX_IDS
) -> dict[str, Any]:
    """Add, remove or replace the members of a static segment, by customer ``externalId``."""
    if segment.segment_type != Segment.SegmentType.STATIC:
        raise Conflict(
            "Only static segments have a member list.",
            details={"segmentType": ["Members can only be changed on a static segment."]},
        )
    if mode not in ("add", "remove", "replace"):
        raise InvalidInput("Invalid mode", details={"mode": ["Must be add, remove or replace."]})
    ids = _clean_external_ids(external_ids, max_ids)
    with transaction.atomic():
        found = _customer_ids_by_external_id(segment.tenant_id, ids)
        unknown = [x for x in ids if x not in found]
        members = SegmentMember.objects.filter(segment=segment)
        removed = 0
        added = 0
        wanted = set(found.values())
        current = set(members.values_list("customer_id", flat=True))
        if mode == "replace":
            removed, _ = members.filter(customer_id__in=current - wanted).delete()
        if mode == "remove":
            removed, _ = members.filter(customer_id__in=wanted & current).delete()
        else:
            existing = current & wanted
            new = [
                SegmentMember(segment=segment, customer_id=cid)
                for cid in found.values()
                if cid not in existing
            ]
            SegmentMember.objects.bulk_create(new, ignore_conflicts=True, batch_size=5000)
            added = len(new)
    segment_refresh(segment=segment)
    return {
        "added": added,
        "removed": removed,
        "unknownExternalIds": unknown[:1000],
        "unknownCount": len(unknown),
        "memberCount": SegmentMember.objects.filter(segment=segment).count(),
    }


def segment_members_from_lines(lines: Iterable[str]) -> list[str]:
    """External ids from a one-column CSV (an ``externalId`` header line is skipped)."""
    import csv

    out = []
    for i, row in enumerate(csv.reader(lines)):
        if not row:
            continue
        value = row[0].strip()
        if i == 0 and value.lower().replace("_", "") in ("externalid", "id", "customerid"):
            continue
        if value:
            out.append(value)
    return out


# --- Preview -------------------------------------------------------------------------------


def _preview_timeout() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = %s", [PREVIEW_STATEMENT_TIMEOUT_MS])


def customers_matching(
    *, tenant: Tenant, where: str, params: Sequence[Any], limit: int
) -> tuple[int, list[Customer]]:
    """Count and first ``limit`` live customers of ``tenant`` matching a trusted WHERE clause."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    qs = Customer.objects.filter(tenant=tenant).filter(
        RawSQL(where, list(params), output_field=BooleanField())  # noqa: S611 - compiled, parameterised
    )
    with transaction.atomic():
        _preview_timeout()
        count = qs.count()
        first = list(qs.order_by("id")[:limit])
    return count, first


def refresh_all_views(*, tenant: Tenant | None = None) -> int:
    """Recreate every live segment's view (e.g. after a migration changed the customer table)."""
    qs = Segment.objects.all()
    if tenant is not None:
        qs = qs.filter(tenant=tenant)
    done = 0
    for segment in qs.iterator():
        with transaction.atomic():
            segment_sql.view_create_or_replace(segment)
        done += 1
    return done


def segment_refresh_by_id(segment_id: str) -> None:
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is not None:
        segment_refresh(segment=segment)
