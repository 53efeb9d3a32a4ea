from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from campaigns.apis import CampaignViewSet

router = SimpleRouter(trailing_slash=False)
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
