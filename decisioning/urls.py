from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from decisioning.apis import (
    DecisionFlowViewSet,
    InteractionViewSet,
    OutcomeTypeViewSet,
    RecommendView,
    RespondView,
)

router = SimpleRouter(trailing_slash=False)
router.register("decision-flows", DecisionFlowViewSet, basename="decision-flow")
router.register("outcome-types", OutcomeTypeViewSet, basename="outcome-type")
router.register("interactions", InteractionViewSet, basename="interaction")

urlpatterns: list[URLPattern | URLResolver] = [
    path("recommend", RecommendView.as_view(), name="recommend"),
    path("respond", RespondView.as_view(), name="respond"),
    *router.urls,
]
