from importlib.util import find_spec

from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from api import embed
from api.hsds import views as hsds_views
from api.views.health import healthz, readyz
from config.media import media_file
from ops.views import metrics

# Only the tracking webhooks of the ESPs docs/notifications.md documents (not anymail.urls: its inbound views
# would accept mail nobody reads), under anymail's own URL names.
email_tracking_webhooks = [
    path("postmark/tracking/", PostmarkTrackingWebhookView.as_view(), name="postmark_tracking_webhook"),
    path("mailgun/tracking/", MailgunTrackingWebhookView.as_view(), name="mailgun_tracking_webhook"),
    path("sendgrid/tracking/", SendGridTrackingWebhookView.as_view(), name="sendgrid_tracking_webhook"),
]
if find_spec("boto3"):  # Amazon SES's webhook needs boto3, which only an SES set-up installs
    email_tracking_webhooks.append(
        path("amazon_ses/tracking/", AmazonSESTrackingWebhookView.as_view(), name="amazon_ses_tracking_webhook")
    )

urlpatterns = [
    path("api/v1/", include("api.urls", namespace="v1")),
    # `/hsds` and `/hsds/` alike (api.hsds.urls): the reference's paths carry no trailing slash.
    re_path(r"^hsds$", hsds_views.RootView.as_view(), name="hsds-root"),
    path("hsds/", include("api.hsds.urls", namespace="hsds")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the page needs no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # The embeddable referral form's script, for partners' pages (api/embed, docs/partners.md).
    path("embed/v1/referral.js", embed.referral_js_versioned, name="embed-referral-v1"),
    path("embed/referral.js", embed.referral_js_latest, name="embed-referral-latest"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),  # Prometheus, with METRICS_TOKEN only (docs/operations.md)
    path("admin/", admin.site.urls),
    path("staff/", include("staff.urls", namespace="staff")),
    # The referral portal for partner people: its own accounts and session cookie (portal/session.py).
    path("partners/", include("portal.urls", namespace="portal")),
    # Email delivery reports from the ESP (django-anymail's tracking webhooks, basic auth and the ESP's signature
    # checked by anymail): /webhooks/email/<esp>/tracking/. Outside /api/: a batch of SendGrid events may be
    # larger than the API's body limit.
    path("webhooks/email/", include((email_tracking_webhooks, "anymail"))),
    # Editors' images from the filesystem storage (config/media.py): MEDIA_URL is /media/ by default.
    re_path(r"^media/(?P<name>(?:originals|renditions)/[^/]+)$", media_file, name="media-file"),
]

# Errors outside DRF's views answer problem+json too, never an HTML page; the staff pages and the
# referral portal answer in words.
handler400 = "config.error_pages.bad_request"
handler403 = "config.error_pages.permission_denied"
handler404 = "config.error_pages.not_found"
handler500 = "config.error_pages.server_error"
