"""The staff workspace's fixed paths (the acknowledge links in messages point at `lead`)."""

from django.urls import path
from django.views.generic import RedirectView

from staff.views import inbox, lead, new_lead

app_name = "staff"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="staff:inbox", permanent=False), name="home"),
    path("leads/", inbox.inbox, name="inbox"),
    path("leads/new/", new_lead.new_lead, name="new-lead"),
    path("leads/<str:reference>/", lead.lead_page, name="lead"),
    path("leads/<str:reference>/take/", lead.take, name="lead-take"),
    path("leads/<str:reference>/status/", lead.change_status, name="lead-status"),
    path("leads/<str:reference>/attempts/", lead.log_attempt, name="lead-attempt"),
    path("leads/<str:reference>/reassign/", lead.reassign, name="lead-reassign"),
]
