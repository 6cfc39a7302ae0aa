from django.urls import include, path
from rest_framework.routers import SimpleRouter

from api.views import content, leads, notifications

router = SimpleRouter()
router.register("programs", content.ProgramViewSet, basename="program")
router.register("therapies", content.TherapyViewSet, basename="therapy")
router.register("articles", content.ArticleViewSet, basename="article")
router.register("faqs", content.FAQViewSet, basename="faq")
router.register("testimonials", content.TestimonialViewSet, basename="testimonial")
router.register("redirects", content.RedirectViewSet, basename="redirect")
router.register("sitemap", content.SitemapViewSet, basename="sitemap")
router.register("menus", content.MenuViewSet, basename="menu")
router.register("insurance", content.InsuranceViewSet, basename="insurance")
router.register("media", content.MediaViewSet, basename="media")
router.register("referrals", leads.ReferralViewSet, basename="referral")

app_name = "v1"
urlpatterns = [
    path("site/", content.SiteProfileView.as_view(), name="site"),
    path("leads/", leads.LeadCreateView.as_view(), name="lead-create"),
    path("leads/form-token/", leads.LeadFormTokenView.as_view(), name="lead-form-token"),
    path("leads/ack/<str:token>/", notifications.lead_ack, name="lead-ack"),
    path("webhooks/twilio/status/", notifications.twilio_status, name="twilio-status"),
    path("", include(router.urls)),
]
