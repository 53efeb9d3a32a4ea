from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.health import healthz

handler400 = "core.api.exceptions.handler400"
handler404 = "core.api.exceptions.handler404"
handler500 = "core.api.exceptions.handler500"

api_v1 = [
    path("", include("decisioning.urls")),  # first: /recommend is the hottest route
    path("", include("core.urls")),
    path("", include("catalog.urls")),
    path("", include("audience.urls")),
    path("", include("creatives.urls")),
    path("", include("campaigns.urls")),
    path("", include("runs.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include(api_v1)),
    path("", include("ui.urls")),
]
