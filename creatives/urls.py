from django.urls import URLPattern, URLResolver, path, re_path

from creatives.apis import CreativeViewSet

ID = r"(?P<pk>[A-Za-z0-9_\-]+)"

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "creatives",
        CreativeViewSet.as_view(
            {"get": "list", "post": "create", "put": "update_by_id", "delete": "destroy_by_id"}
        ),
        name="creative-list",
    ),
    re_path(
        rf"^creatives/{ID}$", CreativeViewSet.as_view({"get": "retrieve"}), name="creative-detail"
    ),
    re_path(
        rf"^creatives/{ID}/preview$",
        CreativeViewSet.as_view({"post": "preview"}),
        name="creative-preview",
    ),
]
