from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from api.hsds import views as hsds_views
from api.views.health import healthz, readyz

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
    path("admin/", admin.site.urls),
    # Email delivery reports from the ESP (django-anymail's tracking webhooks, basic auth and the ESP's signature
    # checked by anymail): /webhooks/email/<esp>/tracking/. Outside /api/: a batch of SendGrid events may be
    # larger than the API's body limit.
    path("webhooks/email/", include("anymail.urls")),
]

# Errors outside DRF's views answer problem+json too, never an HTML page.
handler400 = "api.exceptions.bad_request"
handler403 = "api.exceptions.permission_denied"
handler404 = "api.exceptions.not_found"
handler500 = "api.exceptions.server_error"
