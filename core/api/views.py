"""View bases: tenant resolution, role checks, JSON-only bodies, soft-delete aware CRUD."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.inspectors import ViewInspector

from core.api.parsers import NudgeJSONParser
from core.api.schema import NudgeAutoSchema
from core.api.serializers import SuccessSerializer
from core.audit import set_audit_context
from core.errors import Conflict, InvalidInput
from core.mixins import SoftDeleteModel
from core.models import Tenant
from core.roles import Role
from core.services import entity_soft_delete, refresh_version
from core.tenancy import SESSION_TENANT_KEY, resolve_tenant_access

DEFAULT_ROLE_BY_METHOD: dict[str, Role] = {
    "GET": Role.VIEWER,
    "HEAD": Role.VIEWER,
    "OPTIONS": Role.VIEWER,
    "POST": Role.EDITOR,
    "PUT": Role.EDITOR,
    "PATCH": Role.EDITOR,
    "DELETE": Role.ADMIN,
}
BODY_METHODS = ("POST", "PUT", "PATCH")
UNIQUE_VIOLATION = "23505"


FLAGS = {"true": True, "false": False}


def truthy(value: str | None, name: str = "includeDeleted") -> bool:
    """A boolean query parameter (``true``/``false``, any case); absent or empty is false.
    Anything else is a 400 naming ``name``, as the schema documents a boolean."""
    if value is None or value == "":
        return False
    flag = FLAGS.get(value.strip().lower())
    if flag is None:
        raise InvalidInput(
            f"{name} must be true or false",
            details={name: [f"'{value[:50]}' is not a boolean (true or false)."]},
        )
    return flag


def enforce_json_body(request: Request, allowed: tuple[str, ...] = ("application/json",)) -> None:
    """A POST/PUT/PATCH that carries a body must say it is JSON (415 otherwise)."""
    if request.method not in BODY_METHODS:
        return
    length = request.META.get("CONTENT_LENGTH") or "0"
    has_body = (length.isdigit() and int(length) > 0) or "HTTP_TRANSFER_ENCODING" in request.META
    media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
    if has_body and media_type not in allowed:
        raise exceptions.UnsupportedMediaType(
            media_type or "(none)",
            detail=f"Content-Type must be {' or '.join(allowed)}, got '{media_type or 'none'}'.",
        )


def reject_nul_in_query(request: Request) -> None:
    """No filter can match a NUL byte (PostgreSQL text cannot hold one): a 400 up front, so
    no view passes one to the database."""
    bad = sorted(
        name.replace("\x00", "\\0")
        for name, values in request.query_params.lists()
        if "\x00" in name or any("\x00" in value for value in values)
    )
    if bad:
        raise InvalidInput(
            "Query parameters may not contain NUL bytes",
            details={name: ["NUL bytes are not allowed."] for name in bad},
        )


@contextmanager
def integrity_errors_as_api_errors() -> Iterator[None]:
    """Unique violations become 409; other constraint violations a 400. Never a 500."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        sqlstate = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
        if sqlstate == UNIQUE_VIOLATION:
            raise Conflict(
                "An object with the same unique value (e.g. name) already exists."
            ) from exc
        raise InvalidInput(
            "The request violates a data constraint.",
            details={"database": str(exc).splitlines()[0]},
        ) from exc


class TenantAPIView:
    """Mixin for every tenant API view: resolves ``request.tenant``/``request.role`` right after
    authentication and names the audit actor for writes."""

    role_by_method: ClassVar[dict[str, Role]] = DEFAULT_ROLE_BY_METHOD
    role_by_action: ClassVar[dict[str, Role]] = {}
    accepted_media_types: ClassVar[tuple[str, ...]] = ("application/json",)
    parser_classes: Sequence[type[BaseParser]] = [NudgeJSONParser]
    # Ids are letters, digits, "_" and "-": anything else (a NUL byte...) is a 404 at routing.
    lookup_value_regex = r"[A-Za-z0-9_\-]+"
    schema: ViewInspector | None = NudgeAutoSchema()
    # Views whose writes touch no audited table (e.g. recommend) skip naming the audit actor,
    # which saves two database round trips per request.
    audit_writes: ClassVar[bool] = True

    @property
    def tenant(self) -> Tenant:
        """The tenant this request acts on (set during authentication)."""
        return self.request.tenant  # type: ignore[attr-defined]

    @property
    def role(self) -> Role:
        return self.request.role  # type: ignore[attr-defined]

    def required_role(self, request: Request) -> Role:
        action = getattr(self, "action", None)
        if action in self.role_by_action:
            return self.role_by_action[action]
        return self.role_by_method.get(request.method or "GET", Role.ADMIN)

    def perform_authentication(self, request: Request) -> None:
        user = request.user
        request.tenant = None  # type: ignore[attr-defined]
        request.role = None  # type: ignore[attr-defined]
        if user is None or not getattr(user, "is_authenticated", False):
            return
        session = getattr(request._request, "session", None)
        access = resolve_tenant_access(
            user=user,
            auth=request.auth,
            header_ref=request.META.get("HTTP_X_TENANT_ID", "").strip() or None,
            session_ref=session.get(SESSION_TENANT_KEY) if session is not None else None,
        )
        request.tenant = access.tenant  # type: ignore[attr-defined]
        request.role = access.role  # type: ignore[attr-defined]
        if self.audit_writes and request.method not in ("GET", "HEAD", "OPTIONS"):
            set_audit_context(
                user.get_username() if request.auth else f"user:{user.get_username()}",
                getattr(request._request, "request_id", None),
            )
            request._request._audit_context_set = True  # type: ignore[attr-defined]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        enforce_json_body(request, self.accepted_media_types)
        reject_nul_in_query(request)


class TenantModelViewSet(TenantAPIView, viewsets.ModelViewSet):
    """CRUD over a tenant-scoped model. PUT and PATCH both change only the fields sent;
    DELETE soft-deletes (when the model supports it) and answers ``{"success": true, "id"}``;
    ``includeDeleted=true`` shows soft-deleted rows."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    model: ClassVar[Any]

    def base_queryset(self) -> QuerySet:
        manager = self.model.objects
        if issubclass(self.model, SoftDeleteModel) and truthy(
            self.request.query_params.get("includeDeleted")
        ):
            manager = self.model.all_objects
        return manager.filter(tenant=self.tenant)

    def get_queryset(self) -> QuerySet:
        return self.base_queryset()

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        # PUT changes only the fields sent, so its body is documented like PATCH's (no field
        # required); drf-spectacular asks here without kwargs.
        if getattr(self.request, "method", None) == "PUT":
            kwargs.setdefault("partial", True)
        return super().get_serializer(*args, **kwargs)

    def perform_create(self, serializer: Any) -> None:
        with integrity_errors_as_api_errors():
            serializer.save(tenant=self.tenant)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: Any) -> None:
        with integrity_errors_as_api_errors():
            instance = serializer.save()
        refresh_version(instance)

    @extend_schema(responses=SuccessSerializer)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        self.perform_destroy(instance)
        return Response({"success": True, "id": instance.pk})

    def perform_destroy(self, instance: Any) -> None:
        if isinstance(instance, SoftDeleteModel):
            entity_soft_delete(instance=instance)
        else:
            with integrity_errors_as_api_errors():
                instance.delete()
