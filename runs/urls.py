from django.urls import path
from rest_framework.routers import SimpleRouter

from runs import apis

router = SimpleRouter(trailing_slash=False)
router.register("runs", apis.RunViewSet, basename="run")
router.register("dead-letters", apis.DeadLetterViewSet, basename="dead-letter")

urlpatterns = [
    path("campaigns/<str:campaign_id>/runs", apis.CampaignRunsView.as_view(), name="campaign-runs"),
    *router.urls,
]
