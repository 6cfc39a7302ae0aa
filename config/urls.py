from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from api.hsds import views as hsds_views
from api.views.health import healthz, readyz
from ops.views import metrics

urlpatterns = [
    path("api/v1/", include("api.urls", namespace="v1")),
    # `/hsds` and `/hsds/` alike (api.hsds.urls): the reference's paths carry no trailing slash.
    re_path(r"^hsds$", hsds_views.RootView.as_view(), name="hsds-root"),
    path("hsds/", include("api.hsds.urls", namespace="hsds")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the page needs no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),  # Prometheus, with METRICS_TOKEN only (docs/operations.md)
    path("admin/", admin.site.urls),
    path("staff/", include("staff.urls", namespace="staff")),
]

# Errors outside DRF's views answer problem+json too, never an HTML page; the staff pages answer in words.
handler400 = "config.error_pages.bad_request"
handler403 = "config.error_pages.permission_denied"
handler404 = "config.error_pages.not_found"
handler500 = "config.error_pages.server_error"
