"""What generated clients are named after: operation ids, component and enum names, enum members."""

import re

import pytest
import yaml

# Client method names (openapi-python-client's modules, SDKs' functions) come from these: a change breaks
# every client built before it, so it has to be made here, on purpose.
OPERATION_IDS = {
    ("get", "/api/v1/site/"): "site_retrieve",
    ("get", "/api/v1/programs/"): "programs_list",
    ("get", "/api/v1/programs/{slug}/"): "programs_retrieve",
    ("get", "/api/v1/therapies/"): "therapies_list",
    ("get", "/api/v1/therapies/{slug}/"): "therapies_retrieve",
    ("get", "/api/v1/articles/"): "articles_list",
    ("get", "/api/v1/articles/{slug}/"): "articles_retrieve",
    ("get", "/api/v1/faqs/"): "faqs_list",
    ("get", "/api/v1/testimonials/"): "testimonials_list",
    ("get", "/api/v1/redirects/"): "redirects_list",
    ("get", "/api/v1/sitemap/"): "sitemap_list",
    ("get", "/api/v1/menus/"): "menus_list",
    ("get", "/api/v1/menus/{slug}/"): "menus_retrieve",
    ("get", "/api/v1/insurance/"): "insurance_list",
    ("get", "/api/v1/media/"): "media_list",
    ("get", "/api/v1/media/{id}/"): "media_retrieve",
    ("post", "/api/v1/leads/"): "leads_create",
    ("get", "/api/v1/leads/form-token/"): "leads_form_token_retrieve",
    ("get", "/api/v1/referrals/"): "referrals_list",
    ("post", "/api/v1/referrals/"): "referrals_create",
    ("get", "/api/v1/referrals/{reference}/"): "referrals_retrieve",
    ("get", "/healthz"): "healthz_retrieve",
    ("get", "/readyz"): "readyz_retrieve",
}


@pytest.fixture(scope="module")
def schema(openapi_document) -> dict:
    return yaml.safe_load(openapi_document.read_text())


def test_operation_ids_are_the_published_snake_case_names(schema):
    found = {
        (method, path): operation["operationId"]
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }

    assert found == OPERATION_IDS
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", operation_id) for operation_id in found.values())


def test_component_names_read_as_what_they_are(schema):
    names = set(schema["components"]["schemas"])

    # No hash from an enum name collision (drf-spectacular's `Status4aeEnum`), no doubled suffix.
    assert not [name for name in names if re.search(r"[0-9A-F][0-9a-f]{2}Enum$", name)]
    assert not [name for name in names if "RequestRequest" in name]
    assert {"LeadRequest", "LeadReceipt", "ReferralRequest", "Referral", "Problem", "Block"} <= names
    assert {
        "AgeRangeEnum", "ArticleOrderingEnum", "BlankEnum", "BlockTypeEnum", "ContactMethodEnum", "LeadStatusEnum",
        "LevelOfCareEnum", "NotAdmittedReasonEnum", "RedirectSourceEnum", "RelationshipEnum", "SitemapPageTypeEnum",
        "TherapyFormatEnum", "UrgencyEnum", "AvailabilityStatusEnum", "NetworkStatusEnum", "InsuranceKindEnum",
        "DeliveryMethodEnum", "ImageFormatEnum",
    } == {name for name in names if name.endswith("Enum")}  # fmt: skip


def test_every_enum_names_its_members_as_identifiers(schema):
    enums = {name: schema for name, schema in schema["components"]["schemas"].items() if "enum" in schema}

    for name, enum in enums.items():
        members = enum["x-enum-varnames"]
        assert len(members) == len(enum["enum"]) == len(set(members)), name
        assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", member) for member in members), (name, members)
    age_ranges = enums["AgeRangeEnum"]
    assert dict(zip(age_ranges["enum"], age_ranges["x-enum-varnames"], strict=True))["18_25"] == "AGE_18_25"


def test_query_parameters_and_bodies_use_the_named_components(schema):
    programs = {p["name"]: p for p in schema["paths"]["/api/v1/programs/"]["get"]["parameters"]}
    articles = {p["name"]: p for p in schema["paths"]["/api/v1/articles/"]["get"]["parameters"]}
    body = schema["components"]["schemas"]["Article"]["properties"]["body"]

    assert programs["level_of_care"]["schema"] == {"$ref": "#/components/schemas/LevelOfCareEnum"}
    assert articles["ordering"]["schema"]["items"] == {"$ref": "#/components/schemas/ArticleOrderingEnum"}
    assert body["items"] == {"$ref": "#/components/schemas/Block"}


def test_each_operation_says_which_credentials_it_takes(schema):
    security = {
        (method, path): operation["security"]
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }

    # `security: []`: no credentials (a generator asks for none); content takes a key or nothing.
    anonymous = {("post", "/api/v1/leads/"), ("get", "/api/v1/leads/form-token/"), ("get", "/healthz"),
                 ("get", "/readyz")}  # fmt: skip
    assert {operation for operation, required in security.items() if required == []} == anonymous
    assert security[("get", "/api/v1/articles/")] == [{"ApiKey": []}, {}]
    # A secret key, or the embeddable form's publishable key (pk_…), which may do nothing else.
    assert security[("post", "/api/v1/referrals/")] == [{"ApiKey": []}, {"PublishableKey": []}]
    assert security[("get", "/api/v1/referrals/")] == [{"ApiKey": []}]
