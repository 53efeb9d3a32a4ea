from django.urls import path

from ui.views import auth, campaigns, catalog, dashboard, endpoints

app_name = "ui"

urlpatterns = [
    path("", dashboard.DashboardView.as_view(), name="dashboard"),
    path("login", auth.LoginView.as_view(), name="login"),
    path("logout", auth.LogoutView.as_view(), name="logout"),
    path("tenant", auth.TenantSwitchView.as_view(), name="tenant-switch"),
    path("campaigns", campaigns.CampaignListView.as_view(), name="campaign-list"),
    path("campaigns/new", campaigns.CampaignFormView.as_view(), name="campaign-new"),
    path(
        "campaigns/schedule-preview",
        endpoints.SchedulePreviewView.as_view(),
        name="schedule-preview",
    ),
    path(
        "campaigns/<str:campaign_id>",
        campaigns.CampaignDetailView.as_view(),
        name="campaign-detail",
    ),
    path(
        "campaigns/<str:campaign_id>/edit",
        campaigns.CampaignFormView.as_view(),
        name="campaign-edit",
    ),
    *[
        path(
            f"campaigns/<str:campaign_id>/{action}",
            campaigns.CampaignActionView.as_view(action=action),
            name=f"campaign-{action}",
        )
        for action in ("run", "activate", "pause", "resume", "archive")
    ],
    path("runs/<str:run_id>/progress", endpoints.RunProgressView.as_view(), name="run-progress"),
    path(
        "segments/<str:segment_id>/count",
        endpoints.SegmentCountView.as_view(),
        name="segment-count",
    ),
    path("creatives", catalog.CreativeListView.as_view(), name="creative-list"),
    path("offers", catalog.OfferListView.as_view(), name="offer-list"),
    path("segments", catalog.SegmentListView.as_view(), name="segment-list"),
    path("decision-flows", catalog.FlowListView.as_view(), name="flow-list"),
]
