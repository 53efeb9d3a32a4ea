from rest_framework.routers import SimpleRouter

from catalog import apis

router = SimpleRouter(trailing_slash=False)
router.register("categories", apis.CategoryViewSet, basename="category")
router.register("offers", apis.OfferViewSet, basename="offer")
router.register("channels", apis.ChannelViewSet, basename="channel")
router.register("placements", apis.PlacementViewSet, basename="placement")

urlpatterns = router.urls
