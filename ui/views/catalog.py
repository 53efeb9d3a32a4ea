"""Read-only lists of what campaigns are built from; editing happens in the Django admin."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from audience.models import Segment
from catalog.models import Offer
from creatives.models import Creative
from decisioning.models import DecisionFlow
from ui import catalog_data
from ui.views.base import TenantPage

PAGE_SIZE = 25
CREATIVE_PAGE_SIZE = 10


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:100]


class OfferListView(TenantPage):
    section = "offers"

    def get(self, request: HttpRequest) -> HttpResponse:
        query = _query(request)
        page = Paginator(catalog_data.offers(tenant=self.tenant, query=query), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return self.page(
            "ui/offer_list.html",
            {"page_obj": page, "query": query, "admin_list": catalog_data.admin_url(Offer)},
        )


class SegmentListView(TenantPage):
    section = "segments"

    def get(self, request: HttpRequest) -> HttpResponse:
        query = _query(request)
        page = Paginator(
            catalog_data.segments(tenant=self.tenant, query=query), PAGE_SIZE
        ).get_page(request.GET.get("page"))
        return self.page(
            "ui/segment_list.html",
            {"page_obj": page, "query": query, "admin_list": catalog_data.admin_url(Segment)},
        )


class FlowListView(TenantPage):
    section = "flows"

    def get(self, request: HttpRequest) -> HttpResponse:
        query = _query(request)
        page = Paginator(catalog_data.flows(tenant=self.tenant, query=query), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return self.page(
            "ui/flow_list.html",
            {
                "page_obj": page,
                "query": query,
                "admin_list": catalog_data.admin_url(DecisionFlow),
            },
        )


class CreativeListView(TenantPage):
    section = "creatives"

    def get(self, request: HttpRequest) -> HttpResponse:
        query = _query(request)
        customer_ref = request.GET.get("customer", "").strip()[:255]
        customer, customer_label, customer_error = catalog_data.preview_customer(
            tenant=self.tenant, customer_ref=customer_ref
        )
        page = Paginator(
            catalog_data.creatives(tenant=self.tenant, query=query), CREATIVE_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        items = [
            {
                "creative": creative,
                "preview": catalog_data.rendered_parts(creative, customer),
                "admin_url": catalog_data.admin_url(Creative, "change", creative.pk),
            }
            for creative in page.object_list
        ]
        return self.page(
            "ui/creative_list.html",
            {
                "page_obj": page,
                "items": items,
                "query": query,
                "customer_ref": customer_ref,
                "customer_label": customer_label,
                "customer_error": customer_error,
                "admin_list": catalog_data.admin_url(Creative),
            },
        )
