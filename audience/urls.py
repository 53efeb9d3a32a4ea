from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from audience import apis

router = SimpleRouter(trailing_slash=False)
router.register("customers", apis.CustomerViewSet, basename="customer")
router.register("segments", apis.SegmentViewSet, basename="segment")

urlpatterns: list[URLPattern | URLResolver] = list(router.urls)
