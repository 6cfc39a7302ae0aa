"""The project's URLs plus two reference points for `bench/content.py`.

- `bench/floor/`: a plain Django view that returns precomputed bytes (the article list page, read at import
  time from the file named by BENCH_FLOOR_FILE). Whatever the API spends beyond this is its own cost.
- `bench/floor/hsds/`: the same for the HSDS services page (BENCH_HSDS_FLOOR_FILE).
- `bench/drf-baseline/`: a stock DRF `ListAPIView` with a plain `ModelSerializer` over the same rows and
  fields, the stock JSON renderer and no caching: what the API would cost written the obvious way.
"""

import os
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework import generics, pagination, permissions, renderers, serializers

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as project_urlpatterns
from content.models import Article, MediaAsset, Tag

_FLOOR_FILE = os.environ.get("BENCH_FLOOR_FILE", "")
PRECOMPUTED = Path(_FLOOR_FILE).read_bytes() if _FLOOR_FILE else b""
# The HSDS services page (`/hsds/services?full=true`), for its own floor: the same bytes the warm page sends.
_HSDS_FLOOR_FILE = os.environ.get("BENCH_HSDS_FLOOR_FILE", "")
HSDS_PRECOMPUTED = Path(_HSDS_FLOOR_FILE).read_bytes() if _HSDS_FLOOR_FILE else b""


def floor_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PRECOMPUTED, content_type="application/json")


def hsds_floor_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(HSDS_PRECOMPUTED, content_type="application/json")


class BaselineTagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name"]


class BaselineImageSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediaAsset
        fields = ["id", "file", "width", "height", "alt", "blurhash", "focal_x", "focal_y", "renditions"]


class BaselineArticleSerializer(serializers.ModelSerializer):
    tags = BaselineTagSerializer(many=True, read_only=True)
    hero_image = BaselineImageSerializer(read_only=True)

    class Meta:
        model = Article
        fields = ["slug", "title", "summary", "hero_image", "tags", "publish_at", "body", "body_html"]


class BaselinePagination(pagination.PageNumberPagination):
    page_size = 20


class DRFBaselineView(generics.ListAPIView):
    queryset = Article.objects.filter(status="published").select_related("hero_image").prefetch_related("tags")
    serializer_class = BaselineArticleSerializer
    renderer_classes = [renderers.JSONRenderer]
    pagination_class = BaselinePagination
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []
    filter_backends = []


urlpatterns = [
    *project_urlpatterns,
    path("bench/floor/", floor_view, name="bench-floor"),
    path("bench/floor/hsds/", hsds_floor_view, name="bench-floor-hsds"),
    path("bench/drf-baseline/", DRFBaselineView.as_view(), name="bench-drf-baseline"),
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
