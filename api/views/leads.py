"""Lead intake: public contact requests and partners' referrals (writes are idempotent)."""

import functools
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import APIClient
from api.idempotency import client_ip, idempotency_request
from api.language import SubmissionLanguageMixin, requested_language
from api.permissions import HasActionScope
from api.schema import lead_create_schema, lead_form_token_schema, referral_schema
from api.serializers.leads import LeadRequestSerializer, ReferralRequestSerializer, ReferralSerializer
from api.throttling import AnonymousIPThrottle, EmbedThrottle, LeadSubmissionThrottle, PartnerThrottle
from content.crisis import CRISIS_NOTICE, CRISIS_RESOURCES, crisis_lines
from leads import services
from leads.abuse import check_human, is_honeypot_filled
from leads.form_tokens import form_token_issue
from leads.models import Lead, LeadStatusChange
from leads.selectors import partner_referrals
from partners.models import ClientAPIKey, Partner
from partners.services import embed_human_check

# The embeddable form's Turnstile token travels in a header, not the body: the body of a retried form fill stays
# the same (its Idempotency-Key replays it) while each try carries a fresh token, as Turnstile tokens are single-use.
TURNSTILE_HEADER = "Turnstile-Token"

NO_STORE = {"Cache-Control": "no-store"}
NEXT_STEPS = {
    "en": "Thank you for reaching out. A member of our admissions team will contact you, usually within one "
    "business day, in the way you asked. Quote your reference if you call us at 602-926-7729.",
    "es": "Gracias por comunicarse con nosotros. Un miembro de nuestro equipo de admisiones se pondrá en contacto "
    "con usted, normalmente en un plazo de un día hábil, de la forma que nos indicó. Mencione su número de "
    "referencia si nos llama al 602-926-7729.",
}

_ATTRIBUTION_FIELDS = (
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "landing_page", "referrer_url",
)  # fmt: skip


def _reply(result: services.SubmitResult) -> Response:
    headers = dict(NO_STORE)
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(result.response_body, status=result.response_status, headers=headers)


def _lead_receipt(lead: Lead, *, lang: str) -> tuple[int, dict[str, Any]]:
    resources, notice = crisis_lines(lang)
    body = {
        "reference": lead.reference,
        "status": lead.status,
        "next_steps": NEXT_STEPS[lang],
        "crisis_resources": resources,
        "crisis_notice": notice,
    }
    return status.HTTP_201_CREATED, body


def _receipt_language(request: Request) -> str:
    # A person writing in Spanish reads the crisis lines in Spanish. Never a reason to refuse a request: a
    # language the API does not serve (or `?lang=fr`) gets English.
    lang = requested_language(request)
    return lang if lang in NEXT_STEPS else "en"


class LeadCreateView(SubmissionLanguageMixin, APIView):
    """Anonymous: the website's contact form posts here."""

    authentication_classes: list = []
    throttle_classes = [LeadSubmissionThrottle]

    @lead_create_schema
    def post(self, request: Request) -> Response:
        serializer = LeadRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        spam = is_honeypot_filled(data.get("website"))
        if not spam:
            check_human(
                form_token=data.get("form_token", ""),
                captcha_token=data.get("captcha_token", ""),
                client_ip=client_ip(request),
            )
        submission = services.contact_request_submission(
            data,
            attribution={name: data[name] for name in _ATTRIBUTION_FIELDS if data.get(name)},
            is_spam=spam,
        )
        lang = _receipt_language(request)
        result = services.lead_submit(
            submission=submission,
            idempotency=idempotency_request(request),
            respond=functools.partial(_lead_receipt, lang=lang),
        )
        response = _reply(result)
        # A replay answers in the language of the first response, which is what it repeats.
        steps = result.response_body.get("next_steps")
        response["Content-Language"] = next((code for code, text in NEXT_STEPS.items() if text == steps), "en")
        response["Vary"] = "Accept-Language"
        return response


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat()


class LeadFormTokenView(APIView):
    """Anonymous: the website's contact form fetches a form token when it is shown (leads.form_tokens)."""

    # Like the contact request it serves: any key or session is ignored, never a reason to refuse.
    authentication_classes: list = []
    throttle_classes = [AnonymousIPThrottle]

    @lead_form_token_schema
    def get(self, request: Request) -> Response:
        issued = form_token_issue()
        body = {
            "form_token": issued.token,
            "usable_from": _local(issued.usable_from),
            "expires_at": _local(issued.expires_at),
        }
        return Response(body, headers=NO_STORE)


def referral_body(lead: Lead, history: list[LeadStatusChange]) -> dict[str, Any]:
    """A referral as its partner sees it: here, and on the referral portal's "My organisation's referrals"."""
    return {
        "reference": lead.reference,
        "status": lead.status,
        "status_history": [
            {"status": step.to_status, "at": _local(step.changed_at), "reason_category": step.reason_category}
            for step in history
        ],
        "program_interest": lead.program_interest,
        "urgency": lead.urgency,
        "received_at": _local(lead.received_at),
        "crisis_resources": CRISIS_RESOURCES,
        "crisis_notice": CRISIS_NOTICE,
    }


def _referral_created(lead: Lead) -> tuple[int, dict[str, Any]]:
    # A new referral has one step, "received", at the time it was received: no query needed.
    first_step = LeadStatusChange(to_status=lead.status, changed_at=lead.received_at)
    return status.HTTP_201_CREATED, referral_body(lead, [first_step])


@referral_schema
class ReferralViewSet(SubmissionLanguageMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Partners send referrals and follow them; each partner sees its own only."""

    permission_classes = [HasActionScope]
    throttle_classes = [PartnerThrottle]
    # The one thing a publishable key (the embeddable form's) may do (api.authentication).
    publishable_key_actions = ("create",)
    scopes_by_action = {"create": "referrals:write", "list": "referrals:read", "retrieve": "referrals:read"}
    lookup_field = "reference"
    lookup_value_regex = r"[A-Za-z0-9-]{1,20}"
    serializer_class = ReferralSerializer

    def get_throttles(self) -> list[Any]:
        # A publishable key (the embeddable form's) is held to its own, lower rates per key and per IP instead
        # of the partner's rate (which it could never reach first): two counters, one round trip.
        if isinstance(self.request.user, APIClient) and self.request.user.publishable:
            return [EmbedThrottle()]
        return super().get_throttles()

    def _partner(self) -> Partner:
        # HasActionScope admitted only keys of a partner; the partner came with the key, in one query.
        api_key = self.request.auth
        assert isinstance(api_key, ClientAPIKey)
        assert api_key.partner is not None
        return api_key.partner

    def get_queryset(self) -> QuerySet[Lead]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspecting the view
            return Lead.objects.none()
        return partner_referrals(partner=self._partner())

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = [referral_body(lead, list(lead.status_changes.all())) for lead in page or []]
        response = self.get_paginated_response(data)
        response["Cache-Control"] = "no-store"
        return response

    def retrieve(self, request: Request, reference: str) -> Response:
        # Another partner's reference is simply not found: its existence is never confirmed.
        lead = self.get_queryset().filter(reference=reference.upper()).first()
        if lead is None:
            raise NotFound()
        return Response(referral_body(lead, list(lead.status_changes.all())), headers=NO_STORE)

    def create(self, request: Request) -> Response:
        serializer = ReferralRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if isinstance(request.user, APIClient) and request.user.publishable:
            api_key = request.auth
            assert isinstance(api_key, ClientAPIKey)
            embed_human_check(
                api_key=api_key, token=request.headers.get(TURNSTILE_HEADER, ""), client_ip=client_ip(request)
            )
        submission = services.referral_submission(data, partner=self._partner())
        result = services.lead_submit(
            submission=submission, idempotency=idempotency_request(request), respond=_referral_created
        )
        return _reply(result)
