from django.urls import re_path
from rest_framework.routers import SimpleRouter

from runs import apis

router = SimpleRouter(trailing_slash=False)
router.register("runs", apis.RunViewSet, basename="run")
router.register("dead-letters", apis.DeadLetterViewSet, basename="dead-letter")

urlpatterns = [
    re_path(
        r"^campaigns/(?P<campaign_id>[A-Za-z0-9_-]{1,64})/runs$",
        apis.CampaignRunsView.as_view(),
        name="campaign-runs",
    ),
    *router.urls,
]
