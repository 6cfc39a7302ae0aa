"""The HSDS paths, fixed as the reference spells them: no trailing slash, and one answers the same (`/?$`), so
Django's APPEND_SLASH never redirects a directory's harvester."""

from django.urls import re_path

from api.hsds import views

_ID = r"(?P<id>[0-9A-Fa-f-]{36})"

app_name = "hsds"
urlpatterns = [
    re_path(r"^$", views.RootView.as_view(), name="root"),
    re_path(r"^openapi\.json$", views.OpenAPIView.as_view(), name="openapi"),
    re_path(r"^services/?$", views.ServiceListView.as_view(), name="services"),
    re_path(rf"^services/{_ID}/?$", views.ServiceDetailView.as_view(), name="service"),
    re_path(r"^service_at_locations/?$", views.ServiceAtLocationListView.as_view(), name="service-at-locations"),
    re_path(
        rf"^service_at_locations/{_ID}/?$", views.ServiceAtLocationDetailView.as_view(), name="service-at-location"
    ),
    re_path(r"^organizations/?$", views.OrganizationListView.as_view(), name="organizations"),
    re_path(rf"^organizations/{_ID}/?$", views.OrganizationDetailView.as_view(), name="organization"),
    re_path(r"^taxonomies/?$", views.TaxonomyListView.as_view(), name="taxonomies"),
    re_path(rf"^taxonomies/{_ID}/?$", views.TaxonomyDetailView.as_view(), name="taxonomy"),
    re_path(r"^taxonomy_terms/?$", views.TaxonomyTermListView.as_view(), name="taxonomy-terms"),
    re_path(rf"^taxonomy_terms/{_ID}/?$", views.TaxonomyTermDetailView.as_view(), name="taxonomy-term"),
]
