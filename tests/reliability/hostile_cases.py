"""The hostile-input corpus of test_hostile_input.py: what is sent, and what must come back.

- `Refused`: a write (`POST /api/v1/leads/`, `POST /api/v1/referrals/`) the API must refuse with a 4xx
  problem, storing nothing.
- `BadQuery`: a read whose query string (or path) must be refused with a 4xx problem.
- `Accepted`: hostile-looking input that is valid by design (HTML, SQL or template syntax inside free text,
  Unicode in names): 201, stored verbatim, shown escaped.
- `AcceptedQuery`: a hostile query string that is valid by design: 200, and only live content.

Each body is a valid one from tests.leads.conftest with one hostile change, so that a case fails for the
one reason it names. Invisible and look-alike characters are written as escapes, never literally.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from tests.leads.conftest import lead_body, referral_body

LEADS = "/api/v1/leads/"
REFERRALS = "/api/v1/referrals/"
ARTICLES = "/api/v1/articles/"
PROGRAMS = "/api/v1/programs/"
FAQS = "/api/v1/faqs/"
JSON = "application/json"
MAX_BODY_BYTES = 64 * 1024  # API_MAX_BODY_BYTES's default
TEN_THOUSAND = 10_000

XSS = '<script>alert("hostile")</script>'
IMG_XSS = "<img src=x onerror=alert(1)>"
SVG_XSS = '"><svg onload=alert(1)>'
SQL = "Robert'); DROP TABLE leads_lead;--"
SQL_OR = "' OR '1'='1"
TEMPLATE = "{{ 7*7 }} {% debug %} {{ settings.SECRET_KEY }} {{ request.META }}"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
ZWSP = "\u200b"  # ZERO WIDTH SPACE
CYRILLIC_A = "\u0430"  # looks like a Latin "a"
CYRILLIC_O = "\u043e"  # looks like a Latin "o"
FULLWIDTH_PHONE = "\uff16\uff10\uff12" + ZWSP + "\uff15\uff15\uff15-\uff10\uff11\uff14\uff12"  # 602​555-0142
CRLF_KEY = "abc\r\nSet-Cookie: session=hijacked"
CRLF_MESSAGE = "Call me\r\nBcc: attacker@example.org\r\nSubject: hi"
XML = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]><lead><first_name>&x;</first_name></lead>'
MULTIPART = (
    b'--hostile\r\nContent-Disposition: form-data; name="first_name"\r\n\r\nJordan\r\n'
    b'--hostile\r\nContent-Disposition: form-data; name="consent"\r\n\r\ntrue\r\n--hostile--\r\n'
)


def encode(body: Any) -> bytes:
    """JSON as a browser sends it: UTF-8, non-ASCII characters as they are."""
    return json.dumps(body, ensure_ascii=False).encode()


def lead(**overrides: Any) -> bytes:
    return encode(lead_body(**overrides))


def referral(**overrides: Any) -> bytes:
    return encode(referral_body(**overrides))


def referrer(**overrides: Any) -> dict[str, Any]:
    return {**referral_body()["referrer"], **overrides}


def with_raw(body: dict[str, Any], name: str, raw: bytes) -> bytes:
    """`body` with member `name` set to raw JSON bytes that json.dumps would never write (NaN, bad UTF-8)."""
    rest = encode({key: value for key, value in body.items() if key != name})
    return rest[:-1] + b', "' + name.encode() + b'": ' + raw + b"}"


def nested(depth: int, innermost: str = "1") -> bytes:
    """An object `depth` levels deep: {"name": {"name": … innermost …}}."""
    return b'{"name": ' * depth + innermost.encode() + b"}" * depth


def _sized_lead(size: int) -> bytes:
    """A lead whose body is exactly `size` bytes, padded in `message`."""
    padding = size - len(lead(message=""))
    body = lead(message="x" * padding)
    assert len(body) == size
    return body


@dataclass(frozen=True)
class Refused:
    id: str
    path: str
    body: bytes
    status: int
    # The problem's code; a tuple when either of two layers may refuse it first (see the case).
    code: str | tuple[str, ...]
    # Fields the problem's `errors` must name (a name, or the dotted prefix of nested ones).
    errors: tuple[str, ...] = ()
    content_type: str = JSON
    # WSGI environ entries added to (or, with None, removed from) the request's.
    meta: dict[str, str | None] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        return self.code if isinstance(self.code, tuple) else (self.code,)


def _lead(case_id: str, body: bytes, status: int, code: str | tuple[str, ...], *errors: str, **kw: Any) -> Refused:
    return Refused(f"lead-{case_id}", LEADS, body, status, code, errors, **kw)


def _referral(case_id: str, body: bytes, status: int, code: str | tuple[str, ...], *errors: str, **kw: Any) -> Refused:
    return Refused(f"referral-{case_id}", REFERRALS, body, status, code, errors, **kw)


def _invalid_lead(case_id: str, field_name: str, value: Any) -> Refused:
    return _lead(case_id, lead(**{field_name: value}), 400, "validation_error", field_name)


def _invalid_referral(case_id: str, field_name: str, value: Any, *, error: str | None = None) -> Refused:
    return _referral(case_id, referral(**{field_name: value}), 400, "validation_error", error or field_name)


def _bad_key(case_id: str, key: str, *, path: str = LEADS) -> Refused:
    body = lead() if path == LEADS else referral()
    prefix = "lead" if path == LEADS else "referral"
    return Refused(
        f"{prefix}-idempotency-key-{case_id}", path, body, 400, "validation_error", ("Idempotency-Key",),
        meta={"HTTP_IDEMPOTENCY_KEY": key},
    )  # fmt: skip


def _bad_auth(case_id: str, authorization: str | None, code: str) -> Refused:
    return _referral(f"auth-{case_id}", referral(), 401, code, meta={"HTTP_AUTHORIZATION": authorization})


_LEAD = lead_body()
_REFERRAL = referral_body()
_UNPARSEABLE = "parse_error"
_REPEATED = lead_body(first_name="Alex")

# fmt: off
SIZE = [
    _lead("body-over-the-limit", lead(message="x" * MAX_BODY_BYTES), 413, "payload_too_large"),
    _lead("body-one-byte-over-the-limit", _sized_lead(MAX_BODY_BYTES + 1), 413, "payload_too_large"),
    # At the limit the body is read, and the 60,000-character message is refused by validation.
    _lead("body-exactly-at-the-limit", _sized_lead(MAX_BODY_BYTES), 400, "validation_error", "message"),
    _referral("body-over-the-limit", referral(reason_for_referral="x" * MAX_BODY_BYTES), 413, "payload_too_large"),
    _lead("content-length-not-a-number", lead(), 400, "bad_request", meta={"CONTENT_LENGTH": "abc"}),
    _lead("content-length-huge", lead(), 413, "payload_too_large", meta={"CONTENT_LENGTH": "9" * 30}),
    # Nothing is read past a negative length: the body is empty to the parser (or refused outright).
    _lead("content-length-negative", lead(), 400, (_UNPARSEABLE, "bad_request"), meta={"CONTENT_LENGTH": "-1"}),
    _lead("content-length-shorter-than-body", lead(), 400, _UNPARSEABLE, meta={"CONTENT_LENGTH": "10"}),
]

NESTING = [
    _lead("array-500-deep-as-message", with_raw(_LEAD, "message", b"[" * 500 + b"]" * 500), 400,
          "validation_error", "message"),
    _lead("object-500-deep-as-first-name", with_raw(_LEAD, "first_name", nested(500)), 400,
          "validation_error", "first_name"),
    _referral("object-500-deep-as-referrer-name", with_raw(_REFERRAL, "referrer", nested(500, '"Dr. Deep"')), 400,
              "validation_error", "referrer.name"),
]

ENCODING = [
    _lead("invalid-utf8-bytes", with_raw(_LEAD, "first_name", b'"\xff\xfeJordan"'), 400, _UNPARSEABLE),
    _lead("overlong-utf8-slash", with_raw(_LEAD, "message", b'"..\xc0\xaf..\xc0\xafetc"'), 400, _UNPARSEABLE),
    _lead("utf8-encoded-surrogate", with_raw(_LEAD, "first_name", b'"\xed\xa0\x80"'), 400, _UNPARSEABLE),
    _lead("truncated-utf8-sequence", with_raw(_LEAD, "message", b'"caf\xc3"'), 400, _UNPARSEABLE),
    _lead("utf8-byte-order-mark", b"\xef\xbb\xbf" + lead(), 400, _UNPARSEABLE),
    _referral("invalid-utf8-bytes", with_raw(_REFERRAL, "reason_for_referral", b'"\x80\x81"'), 400, _UNPARSEABLE),
    # A lone surrogate is refused by the parser or by the field (DRF's surrogate validator).
    _lead("lone-surrogate-escape-in-first-name", with_raw(_LEAD, "first_name", b'"\\ud800"'), 400,
          ("validation_error", _UNPARSEABLE), "first_name"),
]

NUL = [
    _invalid_lead("nul-in-first-name", "first_name", "Jor\x00dan"),
    _invalid_lead("nul-in-message", "message", "Please call\x00 me"),
    _invalid_lead("nul-in-email", "email", "jordan\x00@example.org"),
    _invalid_lead("nul-in-phone", "phone", "602\x00555\x000142"),
    _lead("nul-in-consent-disclosure", lead(consent={"contact": True, "sms_disclosure_version": "2026-01\x00"}),
          400, "validation_error", "consent.sms_disclosure_version"),
    _lead("nul-in-a-key", encode({**_LEAD, "first\x00name": "Jordan"}), 400, "validation_error", "first\x00name"),
    _invalid_referral("nul-in-referrer-name", "referrer", referrer(name="Dr.\x00Test"), error="referrer.name"),
    _invalid_referral("nul-in-reason", "reason_for_referral", "Step-down\x00"),
]

LONG = [
    _invalid_lead("first-name-10000-characters", "first_name", "J" * TEN_THOUSAND),
    _invalid_lead("last-name-10000-characters", "last_name", "S" * TEN_THOUSAND),
    _invalid_lead("message-10000-characters", "message", "m" * TEN_THOUSAND),
    _invalid_lead("email-10000-characters", "email", "a" * TEN_THOUSAND + "@example.org"),
    _invalid_lead("phone-10000-digits", "phone", "6" * TEN_THOUSAND),
    _invalid_lead("insurance-10000-characters", "insurance_provider", "i" * TEN_THOUSAND),
    _invalid_lead("utm-source-10000-characters", "utm_source", "u" * TEN_THOUSAND),
    _invalid_lead("landing-page-10000-characters", "landing_page", "/" + "p" * TEN_THOUSAND),
    _invalid_lead("captcha-token-10000-characters", "captcha_token", "c" * TEN_THOUSAND),
    _invalid_referral("reason-10000-characters", "reason_for_referral", "r" * TEN_THOUSAND),
    _invalid_referral("referrer-organization-10000-characters", "referrer", referrer(organization="o" * TEN_THOUSAND),
                      error="referrer.organization"),
    _bad_key("10000-characters", "k" * TEN_THOUSAND),
    _bad_key("256-characters", "k" * 256),
]

NUMBERS = [
    _invalid_lead("int-as-first-name", "first_name", 42),
    _lead("huge-int-as-first-name", with_raw(_LEAD, "first_name", b"1" + b"0" * 100), 400, "validation_error",
          "first_name"),
    # Python refuses to convert integers of more than 4,300 digits: a parse error, not a 500.
    _lead("int-of-5000-digits", with_raw(_LEAD, "message", b"9" * 5000), 400, _UNPARSEABLE),
    _invalid_lead("int-as-phone", "phone", 6025550142),
    _invalid_lead("float-as-state", "state", 1.5),
    _lead("largest-float-as-message", with_raw(_LEAD, "message", b"1.7976931348623157e308"), 400,
          "validation_error", "message"),
    _lead("nan-as-message", with_raw(_LEAD, "message", b"NaN"), 400, _UNPARSEABLE),
    _lead("infinity-as-message", with_raw(_LEAD, "message", b"Infinity"), 400, _UNPARSEABLE),
    _lead("minus-infinity-as-state", with_raw(_LEAD, "state", b"-Infinity"), 400, _UNPARSEABLE),
    _lead("int-as-consent", lead(consent={"contact": 1}), 400, "validation_error", "consent.contact"),
    _lead("string-true-as-consent", lead(consent={"contact": "true"}), 400, "validation_error", "consent.contact"),
    _invalid_lead("int-as-date-of-birth", "date_of_birth", 19840203),
    _invalid_lead("year-99999-date-of-birth", "date_of_birth", "99999-01-01"),
    _invalid_lead("year-1-date-of-birth", "date_of_birth", "0001-01-01"),
    _invalid_lead("form-started-at-out-of-range", "form_started_at", "0001-01-01T00:00:00+01:00"),
    _invalid_lead("negative-int-as-form-started-at", "form_started_at", -1),
    _invalid_referral("int-as-client-consent", "client_consent", 1),
    _invalid_referral("int-as-urgency", "urgency", 999),
]

SHAPES = [
    _invalid_lead("array-as-first-name", "first_name", ["Jordan"]),
    _invalid_lead("operator-object-as-email", "email", {"$ne": None}),
    _invalid_lead("proto-object-as-message", "message", {"__proto__": {"admin": True}}),
    _invalid_lead("empty-array-as-phone", "phone", []),
    _invalid_lead("array-as-consent", "consent", [True]),
    _invalid_lead("string-as-consent", "consent", "yes"),
    _invalid_lead("object-as-state", "state", {"code": "AZ"}),
    _invalid_referral("string-as-referrer", "referrer", "Dr. Test Clinician"),
    _invalid_referral("array-as-referrer", "referrer", [referrer()]),
    _invalid_referral("array-as-referrer-name", "referrer", referrer(name=["Dr."]), error="referrer.name"),
    _invalid_referral("object-as-reason", "reason_for_referral", {"text": "Step-down"}),
]

SQL_INJECTION = [
    _invalid_lead("sql-in-email", "email", "admin@example.org' OR '1'='1"),
    _invalid_lead("sql-in-state", "state", "AZ' OR 1=1--"),
    _invalid_lead("sql-in-program-interest", "program_interest", "iop" + SQL_OR),
    _invalid_lead("sql-in-preferred-contact", "preferred_contact", "phone'; DROP TABLE leads_lead;--"),
    _invalid_lead("sql-in-relationship", "relationship", "self' UNION SELECT password FROM auth_user--"),
    _invalid_lead("sql-in-age-range", "age_range", "18_25' OR 1=1--"),
    _invalid_referral("sql-in-urgency", "urgency", "urgent' --"),
    _bad_auth("sql-as-api-key", "Api-Key ' OR 1=1--", "authentication_failed"),
]

MARKUP_INJECTION = [
    _invalid_lead("script-in-email", "email", XSS + "@example.org"),
    _invalid_lead("template-in-program-interest", "program_interest", "{{ 7*7 }}"),
    _invalid_lead("template-tag-in-relationship", "relationship", "{% debug %}"),
    _invalid_lead("img-in-age-range", "age_range", IMG_XSS),
    _invalid_lead("template-in-date-of-birth", "date_of_birth", "{{ 7*7 }}"),
    _invalid_lead("script-in-preferred-contact", "preferred_contact", XSS),
    _invalid_referral("template-in-urgency", "urgency", "{{ 7*7 }}"),
    _invalid_referral("svg-in-referrer-email", "referrer", referrer(email=SVG_XSS + "@x.org"), error="referrer.email"),
    _bad_auth("script-as-api-key", "Api-Key " + XSS, "authentication_failed"),
]

HEADER_INJECTION = [
    _bad_key("crlf-set-cookie", CRLF_KEY),
    _bad_key("lf-extra-header", "abc\nX-Injected: 1"),
    _bad_key("cr-extra-header", "abc\rX-Injected: 1"),
    _bad_key("nul", "abc\x00def"),
    _bad_key("latin1", "cl\u00e9"),
    _bad_key("space", "two words"),
    _bad_key("empty", ""),
    _bad_key("crlf-set-cookie", CRLF_KEY, path=REFERRALS),
]

UNICODE = [
    _invalid_lead("homoglyph-email-local-part", "email", CYRILLIC_A + "dmin@example.org"),
    _invalid_lead("zero-width-in-email", "email", "jor" + ZWSP + "dan@example.org"),
    _invalid_lead("rtl-override-in-email", "email", "jordan" + RLO + "@example.org"),
    _invalid_lead("homoglyph-state", "state", "\u0410Z"),
    _invalid_lead("fullwidth-state", "state", "A\uff3a"),
    _invalid_lead("homoglyph-program-slug", "program_interest", "i" + CYRILLIC_O + "p"),
    _invalid_lead("zero-width-in-preferred-contact", "preferred_contact", "phone" + ZWSP),
    _invalid_lead("only-unicode-spaces-as-first-name", "first_name", "\u00a0\u2003\t"),
    _invalid_referral("rtl-override-in-referrer-email", "referrer", referrer(email="dr" + RLO + "@example.org"),
                      error="referrer.email"),
    _invalid_referral("zero-width-in-urgency", "urgency", "urgent" + ZWSP),
]

CONTENT_TYPES = [
    _lead("text-plain", lead(), 415, "unsupported_media_type", content_type="text/plain"),
    _lead("application-xml", XML, 415, "unsupported_media_type", content_type="application/xml"),
    _lead("text-xml", XML, 415, "unsupported_media_type", content_type="text/xml"),
    _lead("multipart", MULTIPART, 415, "unsupported_media_type", content_type="multipart/form-data; boundary=hostile"),
    _lead("form-encoded", b"first_name=Jordan&phone=6025550142&consent.contact=true", 415, "unsupported_media_type",
          content_type="application/x-www-form-urlencoded"),
    _lead("text-html", lead(), 415, "unsupported_media_type", content_type="text/html"),
    _lead("javascript", lead(), 415, "unsupported_media_type", content_type="application/javascript"),
    _lead("json-seq", lead(), 415, "unsupported_media_type", content_type="application/json-seq"),
    _lead("no-content-type", lead(), 415, "unsupported_media_type", content_type="", meta={"CONTENT_TYPE": ""}),
    _referral("text-plain", referral(), 415, "unsupported_media_type", content_type="text/plain"),
    _referral("form-encoded", b"first_name=Casey&client_consent=true", 415, "unsupported_media_type",
              content_type="application/x-www-form-urlencoded"),
    _referral("multipart", MULTIPART, 415, "unsupported_media_type",
              content_type="multipart/form-data; boundary=hostile"),
]

ODD_BODIES = [
    _lead("empty-body", b"", 400, "validation_error", "first_name", "consent", meta={"CONTENT_TYPE": JSON}),
    _lead("null-body", b"null", 400, "validation_error", "body"),
    _lead("empty-array-body", b"[]", 400, "validation_error", "body"),
    _lead("array-of-two-leads", encode([_LEAD, _REPEATED]), 400, "validation_error", "body"),
    _lead("string-body", b'"Jordan"', 400, "validation_error", "body"),
    _lead("number-body", b"42", 400, "validation_error", "body"),
    _lead("true-body", b"true", 400, "validation_error", "body"),
    _lead("empty-object", b"{}", 400, "validation_error", "first_name", "consent"),
    _lead("truncated-json", lead()[:-5], 400, _UNPARSEABLE),
    _lead("trailing-garbage", lead() + b"garbage", 400, _UNPARSEABLE),
    _lead("two-concatenated-objects", lead() + encode(_REPEATED), 400, _UNPARSEABLE),
    _lead("javascript-comment", b'{/* hi */"first_name": "Jordan"}', 400, _UNPARSEABLE),
    _lead("single-quoted", b"{'first_name': 'Jordan'}", 400, _UNPARSEABLE),
    _lead("jsonp", b"callback(" + lead() + b")", 400, _UNPARSEABLE),
    _referral("empty-body", b"", 400, "validation_error", "first_name", "referrer", meta={"CONTENT_TYPE": JSON}),
    _referral("null-body", b"null", 400, "validation_error", "body"),
    _referral("array-body", encode([_REFERRAL]), 400, "validation_error", "body"),
]

MASS_ASSIGNMENT = [
    _lead("sets-status", encode({**_LEAD, "status": "admitted"}), 400, "validation_error", "status"),
    _lead("sets-is-spam", encode({**_LEAD, "is_spam": False}), 400, "validation_error", "is_spam"),
    _lead("sets-partner", encode({**_LEAD, "partner": 1}), 400, "validation_error", "partner"),
    _lead("sets-reference", encode({**_LEAD, "reference": "L-000000"}), 400, "validation_error", "reference"),
    _lead("sets-sealed", encode({**_LEAD, "sealed": "gAAAA"}), 400, "validation_error", "sealed"),
    _lead("sets-proto", encode({**_LEAD, "__proto__": {"is_staff": True}}), 400, "validation_error", "__proto__"),
    _referral("sets-partner", encode({**_REFERRAL, "partner": 999}), 400, "validation_error", "partner"),
    _referral("sets-kind", encode({**_REFERRAL, "kind": "self"}), 400, "validation_error", "kind"),
]

AUTH = [
    _bad_auth("missing", None, "not_authenticated"),
    _bad_auth("10000-character-key", "Api-Key " + "A" * TEN_THOUSAND, "authentication_failed"),
    _bad_auth("bearer-scheme", "Bearer ' OR 1=1--", "not_authenticated"),
    _bad_auth("basic-scheme", "Basic YWRtaW46YWRtaW4=", "not_authenticated"),
]

REFUSED: list[Refused] = [
    *SIZE, *NESTING, *ENCODING, *NUL, *LONG, *NUMBERS, *SHAPES, *SQL_INJECTION, *MARKUP_INJECTION,
    *HEADER_INJECTION, *UNICODE, *CONTENT_TYPES, *ODD_BODIES, *MASS_ASSIGNMENT, *AUTH,
]
# fmt: on


@dataclass(frozen=True)
class BadQuery:
    id: str
    url: str
    status: int
    code: str
    errors: tuple[str, ...] = ()


def _pages(path: str, name: str) -> list[BadQuery]:
    return [
        BadQuery(f"{name}-page-negative", f"{path}?page=-1", 400, "validation_error", ("page",)),
        BadQuery(f"{name}-page-nul", f"{path}?page=%00", 400, "validation_error", ("page",)),
        BadQuery(f"{name}-page-size-10e30", f"{path}?page_size={10**30}", 400, "validation_error", ("page_size",)),
        BadQuery(f"{name}-page-10e30", f"{path}?page={10**30}", 400, "validation_error", ("page",)),
    ]


_THOUSAND_FIELDS = ",".join(f"field{index}" for index in range(1000))
_SEARCH_10000 = "a" * TEN_THOUSAND

# fmt: off
BAD_QUERIES: list[BadQuery] = [
    *_pages(ARTICLES, "articles"),
    *_pages(PROGRAMS, "programs"),
    *_pages(FAQS, "faqs"),
    *_pages(REFERRALS, "referrals"),
    BadQuery("articles-page-size-zero", f"{ARTICLES}?page_size=0", 400, "validation_error", ("page_size",)),
    BadQuery("articles-page-size-negative", f"{ARTICLES}?page_size=-5", 400, "validation_error", ("page_size",)),
    BadQuery("articles-page-size-exponent", f"{ARTICLES}?page_size=1e2", 400, "validation_error", ("page_size",)),
    BadQuery("articles-page-size-hex", f"{ARTICLES}?page_size=0x10", 400, "validation_error", ("page_size",)),
    BadQuery("referrals-page-size-sql", f"{REFERRALS}?page_size=1%20OR%201=1", 400, "validation_error",
             ("page_size",)),
    BadQuery("articles-page-fraction", f"{ARTICLES}?page=1.5", 400, "validation_error", ("page",)),
    BadQuery("articles-1000-fields", f"{ARTICLES}?fields={_THOUSAND_FIELDS}", 400, "validation_error", ("fields",)),
    BadQuery("programs-1000-fields", f"{PROGRAMS}?fields={_THOUSAND_FIELDS}", 400, "validation_error", ("fields",)),
    BadQuery("faqs-1000-fields", f"{FAQS}?fields={_THOUSAND_FIELDS}", 400, "validation_error", ("fields",)),
    BadQuery("articles-fields-empty", f"{ARTICLES}?fields=", 400, "validation_error", ("fields",)),
    BadQuery("articles-fields-nul", f"{ARTICLES}?fields=slug,%00", 400, "validation_error", ("fields",)),
    BadQuery("articles-fields-hidden-column", f"{ARTICLES}?fields=editor_notes", 400, "validation_error",
             ("fields",)),
    BadQuery("articles-ordering-password", f"{ARTICLES}?ordering=password", 400, "validation_error", ("ordering",)),
    BadQuery("articles-ordering-descending-password", f"{ARTICLES}?ordering=-password", 400, "validation_error",
             ("ordering",)),
    BadQuery("articles-ordering-hidden-column", f"{ARTICLES}?ordering=editor_notes", 400, "validation_error",
             ("ordering",)),
    BadQuery("articles-ordering-sql", f"{ARTICLES}?ordering=title;DROP%20TABLE%20content_article", 400,
             "validation_error", ("ordering",)),
    BadQuery("articles-search-10000-characters", f"{ARTICLES}?search={_SEARCH_10000}", 400, "validation_error",
             ("search",)),
    BadQuery("articles-search-nul", f"{ARTICLES}?search=anxiety%00", 400, "validation_error", ("search",)),
    BadQuery("articles-tag-nul", f"{ARTICLES}?tag=%00", 400, "validation_error", ("tag",)),
    BadQuery("articles-program-nul", f"{ARTICLES}?program=iop%00", 400, "validation_error", ("program",)),
    BadQuery("articles-therapy-nul", f"{ARTICLES}?therapy=%00cbt", 400, "validation_error", ("therapy",)),
    BadQuery("programs-level-of-care-sql", f"{PROGRAMS}?level_of_care=%27%20OR%201=1--", 400, "validation_error",
             ("level_of_care",)),
    BadQuery("programs-level-of-care-script", f"{PROGRAMS}?level_of_care=%3Cscript%3E", 400, "validation_error",
             ("level_of_care",)),
    BadQuery("faqs-program-nul", f"{FAQS}?program=%00", 400, "validation_error", ("program",)),
    BadQuery("articles-slug-script", f"{ARTICLES}%3Cscript%3E/", 404, "not_found"),
    BadQuery("referrals-reference-sql", f"{REFERRALS}L-1%27%20OR%20%271%27=%271/", 404, "not_found"),
    BadQuery("referrals-reference-nul", f"{REFERRALS}L-%00/", 404, "not_found"),
]
# fmt: on


@dataclass(frozen=True)
class Accepted:
    id: str
    path: str
    body: dict[str, Any]
    # What leads.crypto.unseal must give back for these personal fields (verbatim, or as normalised).
    sealed: dict[str, Any]
    # Lead columns stored in the clear.
    columns: dict[str, Any] = field(default_factory=dict)
    # Values the staff's admin page must show, HTML-escaped, and no message to staff may carry.
    shown: tuple[str, ...] = ()
    idempotency_key: str = "hostile-but-valid"


_XSS_REFERRER = referrer(name="<b>Dr. Bold</b>", organization=SQL)

# fmt: off
ACCEPTED: list[Accepted] = [
    Accepted("lead-script-in-message", LEADS, lead_body(message=XSS), {"message": XSS}, shown=(XSS,)),
    Accepted("lead-html-in-names", LEADS, lead_body(first_name=IMG_XSS, last_name=SVG_XSS),
             {"first_name": IMG_XSS, "last_name": SVG_XSS}, shown=(IMG_XSS, SVG_XSS)),
    Accepted("lead-template-syntax-in-message", LEADS, lead_body(message=TEMPLATE), {"message": TEMPLATE},
             shown=(TEMPLATE,)),
    Accepted("lead-sql-in-last-name", LEADS, lead_body(last_name=SQL), {"last_name": SQL}, shown=(SQL,)),
    Accepted("lead-sql-in-message", LEADS, lead_body(message="1" + SQL_OR + "; SELECT pg_sleep(30);--"),
             {"message": "1" + SQL_OR + "; SELECT pg_sleep(30);--"}, shown=("SELECT pg_sleep(30)",)),
    # An apostrophe, a plus and an equals sign are valid in the local part of an address (RFC 5322).
    Accepted("lead-quote-and-equals-in-email", LEADS, lead_body(email="O'Brien+1=1@Example.org"),
             {"email": "o'brien+1=1@example.org"}, shown=("o'brien+1=1@example.org",)),
    Accepted("lead-rtl-override-in-first-name", LEADS, lead_body(first_name=RLO + "nadroJ"),
             {"first_name": RLO + "nadroJ"}, shown=(RLO + "nadroJ",)),
    Accepted("lead-zero-width-in-first-name", LEADS, lead_body(first_name="Jor" + ZWSP + "dan"),
             {"first_name": "Jor" + ZWSP + "dan"}, shown=("Jor" + ZWSP + "dan",)),
    Accepted("lead-combining-marks-in-first-name", LEADS, lead_body(first_name="J\u0336o\u0336r\u0336d\u0336a\u0336n"),
             {"first_name": "J\u0336o\u0336r\u0336d\u0336a\u0336n"}, shown=("J\u0336o\u0336r\u0336",)),
    # An internationalised domain is a valid address: kept as written (lower-cased), never folded to ASCII.
    Accepted("lead-homoglyph-email-domain", LEADS, lead_body(email=f"jordan@ex{CYRILLIC_A}mple.org"),
             {"email": f"jordan@ex{CYRILLIC_A}mple.org"}, shown=(f"jordan@ex{CYRILLIC_A}mple.org",)),
    # Fullwidth digits and a zero-width space: phonenumbers reads the digits; E.164 is what is stored.
    Accepted("lead-fullwidth-digits-in-phone", LEADS, lead_body(phone=FULLWIDTH_PHONE), {"phone": "+16025550142"},
             shown=("+16025550142",)),
    Accepted("lead-script-in-best-time", LEADS, lead_body(best_time_to_contact=XSS), {"best_time_to_contact": XSS},
             shown=(XSS,)),
    Accepted("lead-script-in-utm-campaign", LEADS, lead_body(utm_campaign=IMG_XSS), {},
             columns={"utm_campaign": IMG_XSS}, shown=(IMG_XSS,)),
    Accepted("lead-svg-in-insurance", LEADS, lead_body(insurance_provider=SVG_XSS), {"insurance_provider": SVG_XSS},
             shown=(SVG_XSS,)),
    Accepted("lead-crlf-headers-in-message", LEADS, lead_body(message=CRLF_MESSAGE), {"message": CRLF_MESSAGE},
             shown=("Bcc: attacker@example.org",)),
    Accepted("lead-5000-angle-brackets-in-message", LEADS, lead_body(message="<" * 5000), {"message": "<" * 5000},
             shown=("<" * 5000,)),
    Accepted("lead-markup-in-idempotency-key", LEADS, lead_body(message="Key test"), {"message": "Key test"},
             idempotency_key="'\"><script>alert(1)</script>"),
    Accepted("referral-script-in-reason-and-referrer", REFERRALS,
             referral_body(reason_for_referral=XSS, referrer=_XSS_REFERRER),
             {"reason_for_referral": XSS, "referrer": _XSS_REFERRER}, shown=(XSS, "<b>Dr. Bold</b>", SQL)),
    Accepted("referral-template-in-level-of-care", REFERRALS, referral_body(current_level_of_care=TEMPLATE),
             {"current_level_of_care": TEMPLATE}, shown=(TEMPLATE,)),
]
# fmt: on


@dataclass(frozen=True)
class AcceptedQuery:
    id: str
    url: str
    # Slugs of the results: only live content, and only what the query means.
    slugs: tuple[str, ...] = ()


ACCEPTED_QUERIES: list[AcceptedQuery] = [
    AcceptedQuery("articles-search-sql-or", f"{ARTICLES}?search=%27%20OR%201=1--"),
    AcceptedQuery("articles-search-sql-drop", f"{ARTICLES}?search=%27;%20DROP%20TABLE%20content_article;--"),
    AcceptedQuery("articles-search-script", f"{ARTICLES}?search=%3Cscript%3Ealert(1)%3C/script%3E"),
    AcceptedQuery("articles-search-websearch-operators", f"{ARTICLES}?search=-anxiety%20OR%20%22%22%20%22"),
    AcceptedQuery("articles-search-finds-live-only", f"{ARTICLES}?search=anxiety", ("anxiety-basics",)),
    AcceptedQuery("articles-tag-rtl-override", f"{ARTICLES}?tag=%E2%80%AEyteixna"),
    AcceptedQuery("articles-tag-homoglyph", f"{ARTICLES}?tag=%D0%B0nxiety"),  # Cyrillic a
    AcceptedQuery("articles-tag-emoji", f"{ARTICLES}?tag=%F0%9F%98%80"),
    AcceptedQuery("articles-tag-sql", f"{ARTICLES}?tag=anxiety%27%20OR%20%271%27=%271"),
    AcceptedQuery("articles-tag-real", f"{ARTICLES}?tag=anxiety", ("anxiety-basics",)),
    AcceptedQuery("faqs-program-sql", f"{FAQS}?program=%27%20OR%20%271%27=%271"),
    AcceptedQuery("faqs-program-zero-width", f"{FAQS}?program=iop%E2%80%8B"),
]
