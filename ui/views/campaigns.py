"""Campaign pages: list, new/edit form, detail with Run Now, and the status actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Campaign
from campaigns.schedule import describe
from core.errors import NudgeError
from core.roles import Role
from ui import campaign_form, selectors
from ui.form_context import form_choices
from ui.run_view import run_panel
from ui.schedule_preview import schedule_preview
from ui.views.base import TenantPage

PAGE_SIZE = 20


class CampaignListView(TenantPage):
    section = "campaigns"

    def get(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.get("q", "").strip()[:100]
        status = request.GET.get("status", "")
        if status not in selectors.CAMPAIGN_STATUSES:
            status = ""
        qs = selectors.campaign_search(tenant=self.tenant, query=query, status=status)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return self.page(
            "ui/campaign_list.html",
            {
                "page_obj": page,
                "rows": selectors.annotate_campaigns(list(page.object_list)),
                "query": query,
                "status": status,
                "statuses": selectors.CAMPAIGN_STATUSES,
            },
        )


class CampaignFormView(TenantPage):
    """New (no ``campaign_id``) and Edit. GET shows the form, POST validates and saves."""

    section = "campaigns"
    read_role = Role.EDITOR

    def _campaign(self, campaign_id: str | None) -> Campaign | None:
        if campaign_id is None:
            return None
        return selectors.campaign_get(tenant=self.tenant, campaign_id=campaign_id)

    def render_form(
        self,
        campaign: Campaign | None,
        values: dict[str, Any],
        errors: dict[str, list[str]],
        status: int = 200,
    ) -> HttpResponse:
        preview = schedule_preview(values, now=timezone.now())
        return self.page(
            "ui/campaign_form.html",
            {
                "campaign": campaign,
                "creating": campaign is None,
                "values": values,
                "errors": errors,
                "error_list": campaign_form.ordered_errors(errors),
                "columns": campaign_form.column_choices(values["file"]["columns"]),
                "preview": preview,
                **form_choices(self.tenant),
            },
            status=status,
        )

    def get(self, request: HttpRequest, campaign_id: str | None = None) -> HttpResponse:
        campaign = self._campaign(campaign_id)
        if campaign is not None and campaign.status == Campaign.Status.ARCHIVED:
            messages.info(request, "An archived campaign is kept for history and cannot be edited.")
            return HttpResponseRedirect(reverse("ui:campaign-detail", args=[campaign.pk]))
        return self.render_form(campaign, campaign_form.values_from_campaign(campaign), {})

    def post(self, request: HttpRequest, campaign_id: str | None = None) -> HttpResponse:
        campaign = self._campaign(campaign_id)
        payload = campaign_form.payload_from_post(request.POST, creating=campaign is None)
        result = campaign_form.save_campaign(request, payload, instance=campaign)
        if not result.ok or result.campaign is None:
            values = campaign_form.values_from_post(
                request.POST, fallback=campaign_form.values_from_campaign(campaign)
            )
            return self.render_form(campaign, values, result.errors, status=400)
        verb = "created" if campaign is None else "saved"
        messages.success(request, f"Campaign “{result.campaign.name}” {verb}.")
        return HttpResponseRedirect(reverse("ui:campaign-detail", args=[result.campaign.pk]))


class CampaignDetailView(TenantPage):
    section = "campaigns"

    def get(self, request: HttpRequest, campaign_id: str) -> HttpResponse:
        campaign = selectors.campaign_get(tenant=self.tenant, campaign_id=campaign_id)
        runs = list(campaign.runs.order_by("-created_at")[:10])
        selected = None
        wanted = request.GET.get("run")
        if wanted:
            selected = selectors.run_get(tenant=self.tenant, run_id=wanted)
            if selected.campaign_id != campaign.pk:
                selected = None
        elif runs:
            selected = runs[0]
        return self.page(
            "ui/campaign_detail.html",
            {
                "campaign": campaign,
                "schedule_text": describe(campaign.schedule()),
                "next_run": selectors.next_run(campaign),
                "runs": runs,
                "run": run_panel(selected, request) if selected is not None else None,
                "channels": _channel_names(campaign),
                "can_run": campaign.status != Campaign.Status.ARCHIVED,
            },
        )


def _channel_names(campaign: Campaign) -> list[str]:
    from catalog.models import Channel

    if not campaign.channel_ids:
        return []
    names = dict(
        Channel.all_objects.filter(tenant=campaign.tenant, pk__in=campaign.channel_ids).values_list(
            "pk", "name"
        )
    )
    return [names.get(pk, pk) for pk in campaign.channel_ids]


class CampaignActionView(TenantPage):
    """POST-only status changes and Run Now; errors (e.g. pausing a draft) become messages."""

    http_method_names = ["post"]
    action = ""
    ACTIONS = {
        "pause": (campaign_services.campaign_pause, "paused"),
        "resume": (campaign_services.campaign_resume, "resumed"),
        "archive": (campaign_services.campaign_archive, "archived"),
    }

    def post(self, request: HttpRequest, campaign_id: str) -> HttpResponse:
        campaign = selectors.campaign_get(tenant=self.tenant, campaign_id=campaign_id)
        target = reverse("ui:campaign-detail", args=[campaign.pk])
        try:
            if self.action == "run":
                run = campaign_services.campaign_run_now(
                    campaign=campaign, requested_by=request.user.get_username()
                )
                messages.success(request, "Run started.")
                return HttpResponseRedirect(f"{target}?run={run.pk}#run")
            if self.action == "activate":
                campaign_services.campaign_update(campaign=campaign, data={"status": "active"})
                messages.success(request, f"Campaign “{campaign.name}” is active.")
                return HttpResponseRedirect(target)
            change, verb = self.ACTIONS[self.action]
            change(campaign=campaign)
            messages.success(request, f"Campaign “{campaign.name}” {verb}.")
        except NudgeError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(target)
