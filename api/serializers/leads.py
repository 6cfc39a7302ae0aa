"""Lead and referral requests (strictly validated) and the minimum-necessary responses."""

import copy
from datetime import date
from typing import Any

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from api.serializers.content import CrisisResourceSerializer
from content.selectors import live_program_slugs
from leads.models import AgeRange, ContactMethod, LeadStatus, NotAdmittedReason, Urgency

US_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI",
    "AS", "MP",
}  # fmt: skip
PROGRAM_UNSURE = "unsure"
_FIELDS_WITH_CHILDREN = (serializers.BaseSerializer, serializers.ListField, serializers.DictField)
RELATIONSHIP_CHOICES = [("self", "For myself"), ("family_or_friend", "For a family member or friend")]


class StrictCharField(serializers.CharField):
    """A string and only a string: DRF's CharField would turn 42 or true into "42" or "True"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false only: DRF's BooleanField would also take "yes", 1 or "on"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def normalise_phone(raw: str) -> str:
    """A US (or +country) number in E.164, or a validation error."""
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        raise serializers.ValidationError(_("Enter a valid phone number, e.g. 602-555-0123.")) from None
    if not phonenumbers.is_valid_number(number):
        raise serializers.ValidationError(_("Enter a valid phone number, e.g. 602-555-0123."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare, so a typo or a field a client must not set is never ignored."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # DRF deep-copies every declared field for each new serializer, which runs each field's __init__ again
        # (its validators rebuilt): about a tenth of a submission's CPU (bench/leads.py). A shallow copy is
        # enough for a leaf field: bind() sets attributes on the copy only, and its validators and choices are
        # read, never changed. A nested serializer or a field with a child is deep-copied as DRF does, since
        # its children are bound to it.
        return {
            name: copy.deepcopy(field) if isinstance(field, _FIELDS_WITH_CHILDREN) else copy.copy(field)
            for name, field in self._declared_fields.items()
        }

    def to_internal_value(self, data: Any) -> Any:
        unknown = (
            {name: [_("Unknown field.")] for name in data if name not in self.fields} if isinstance(data, dict) else {}
        )
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class ConsentSerializer(StrictSerializer):
    contact = StrictBooleanField(help_text="Must be true: the person agrees to be contacted about their request.")
    sms = StrictBooleanField(default=False, help_text="Agrees to text messages; needs `sms_disclosure_version`.")
    sms_disclosure_version = StrictCharField(
        max_length=32, required=False, allow_blank=True, help_text="Version of the SMS disclosure shown."
    )

    def validate_contact(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Consent to be contacted is required to send a request."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("sms"):
            version = attrs.get("sms_disclosure_version", "")
            if version not in settings.LEAD_SMS_DISCLOSURE_VERSIONS:
                raise serializers.ValidationError(
                    {"sms_disclosure_version": [_("SMS consent needs the version of the SMS disclosure shown.")]}
                )
        return attrs


class _PersonFields(StrictSerializer):
    """The person's details: the same names for a contact request and a referral."""

    first_name = StrictCharField(max_length=100)
    last_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    phone = StrictCharField(max_length=32, required=False, allow_blank=True, help_text="US number; stored in E.164.")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    preferred_contact = serializers.ChoiceField(choices=ContactMethod.choices, required=False)
    best_time_to_contact = StrictCharField(
        max_length=100, required=False, allow_blank=True,
        help_text="Free text, e.g. `Weekdays after 5 pm`. Stored encrypted with the other personal fields.",
    )  # fmt: skip
    program_interest = StrictCharField(
        max_length=120, required=False, allow_blank=True, help_text="A program slug (e.g. `iop`) or `unsure`."
    )
    message = StrictCharField(max_length=5000, required=False, allow_blank=True)
    insurance_provider = StrictCharField(max_length=100, required=False, allow_blank=True)
    state = StrictCharField(
        min_length=2, max_length=2, default="AZ", help_text="Two-letter state; outside Arizona is flagged for staff."
    )
    age_range = serializers.ChoiceField(choices=AgeRange.choices, required=False)
    date_of_birth = serializers.DateField(required=False, help_text="YYYY-MM-DD; or give `age_range` instead.")

    def validate_phone(self, value: str) -> str:
        return normalise_phone(value) if value.strip() else ""

    def validate_email(self, value: str) -> str:
        return value.strip().lower()

    def validate_state(self, value: str) -> str:
        state = value.upper()
        if state not in US_STATES:
            raise serializers.ValidationError(_("Use a two-letter US state code, e.g. AZ."))
        return state

    def validate_program_interest(self, value: str) -> str:
        if value and value != PROGRAM_UNSURE and value not in live_program_slugs():
            raise serializers.ValidationError(_("Use the slug of a program (see /api/v1/programs/) or `unsure`."))
        return value

    def validate_date_of_birth(self, value: date) -> date:
        today = date.today()
        if value >= today or value.year < today.year - 120:
            raise serializers.ValidationError(_("Enter a real date of birth."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if not attrs.get("phone") and not attrs.get("email"):
            errors["phone"] = [_("Give a phone number or an email address (or both).")]
        preferred = attrs.get("preferred_contact")
        if preferred in {ContactMethod.PHONE, ContactMethod.SMS} and not attrs.get("phone"):
            errors["preferred_contact"] = [_("A phone number is needed to be called or texted.")]
        if preferred == ContactMethod.EMAIL and not attrs.get("email"):
            errors["preferred_contact"] = [_("An email address is needed to be emailed.")]
        if attrs.get("age_range") and attrs.get("date_of_birth"):
            errors["age_range"] = [_("Give an age range or a date of birth, not both.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


_URL_HELP = (
    "A URL or a site path. Only its scheme, host, path and `utm_*` query parameters are stored: any other "
    "query parameter, the fragment and any `user:password@` are dropped (a query string can carry an email "
    "address or a token). A relative path, or text that is not a URL, keeps its path part; a scheme other "
    "than http(s) (`mailto:`, `tel:`) keeps at most its scheme and host."
)


# Request bodies' components get a `Request` suffix (COMPONENT_SPLIT_REQUEST): named after the resource, the
# generated clients' types read `LeadRequest` and `ReferralRequest`, not `LeadRequestRequest`.
@extend_schema_serializer(component_name="Lead", deprecate_fields=["form_started_at"])
class LeadRequestSerializer(_PersonFields):
    """A contact request from the website form."""

    relationship = serializers.ChoiceField(choices=RELATIONSHIP_CHOICES, default="self")
    consent = ConsentSerializer()
    utm_source = StrictCharField(max_length=100, required=False, allow_blank=True)
    utm_medium = StrictCharField(max_length=100, required=False, allow_blank=True)
    utm_campaign = StrictCharField(max_length=100, required=False, allow_blank=True)
    utm_term = StrictCharField(max_length=100, required=False, allow_blank=True)
    utm_content = StrictCharField(max_length=100, required=False, allow_blank=True)
    landing_page = StrictCharField(max_length=500, required=False, allow_blank=True, help_text=_URL_HELP)
    referrer_url = StrictCharField(max_length=500, required=False, allow_blank=True, help_text=_URL_HELP)
    website = StrictCharField(
        max_length=500, required=False, allow_blank=True,
        help_text="Honeypot: hidden in the form and left empty by people. Never fill it.",
    )  # fmt: skip
    form_token = StrictCharField(
        max_length=500, required=False, allow_blank=True,
        help_text="The `form_token` from `GET /api/v1/leads/form-token/`, fetched when the form was shown. Needed "
        "when the minimum fill time is on: missing, not valid or expired, the request is a `400` "
        "(`form_token_invalid`, `form_token_expired`); sent sooner than its `usable_from`, a `400` "
        "(`submitted_too_fast`). Then fetch a new token and send again.",
    )  # fmt: skip
    # Still accepted so that forms sending it are not refused with "Unknown field.", but never trusted: the
    # client wrote it, so a bot left it out or sent a time long past. The form token replaced it.
    form_started_at = serializers.DateTimeField(
        required=False, help_text="Deprecated and ignored: send `form_token` instead."
    )
    captcha_token = StrictCharField(max_length=4000, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs.get("consent", {}).get("sms") and not attrs.get("phone"):
            raise serializers.ValidationError({"consent": [_("SMS consent needs a phone number.")]})
        return attrs


class ReferrerSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)
    role = StrictCharField(max_length=100, required=False, allow_blank=True)
    organization = StrictCharField(max_length=200, required=False, allow_blank=True)
    phone = StrictCharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)

    def validate_phone(self, value: str) -> str:
        return normalise_phone(value) if value.strip() else ""


@extend_schema_serializer(component_name="Referral")
class ReferralRequestSerializer(_PersonFields):
    """A partner's referral: the client's details, the referring clinician, and the clinical context."""

    referrer = ReferrerSerializer()
    reason_for_referral = StrictCharField(max_length=5000)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    current_level_of_care = StrictCharField(max_length=200, required=False, allow_blank=True)
    client_consent = StrictBooleanField(help_text="Must be true: the client agreed to be referred.")

    def validate_client_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("The client's consent to the referral is required."))
        return value


class FormTokenSerializer(serializers.Serializer):
    """A form token for one showing of the contact form: nothing personal in it, nothing stored."""

    form_token = serializers.CharField(help_text="Send it back as `form_token` with the contact request.")
    usable_from = serializers.DateTimeField(
        help_text="Sent before this time, the contact request is refused as too fast (`submitted_too_fast`)."
    )
    expires_at = serializers.DateTimeField(
        help_text="Sent after this time, the contact request is refused (`form_token_expired`): fetch a new one."
    )


class LeadReceiptSerializer(serializers.Serializer):
    """What the website shows after a contact request: no personal data, and where to go in a crisis."""

    reference = serializers.CharField(help_text="Opaque reference, e.g. L-7F3K9Q. Quote it when calling.")
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    next_steps = serializers.CharField()
    crisis_resources = CrisisResourceSerializer(many=True)
    crisis_notice = serializers.CharField()


class StatusStepSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    at = serializers.DateTimeField()
    reason_category = serializers.ChoiceField(choices=NotAdmittedReason.choices, allow_blank=True)


class ReferralSerializer(serializers.Serializer):
    """A partner's view of its referral: the minimum necessary, never the clinical details it sent."""

    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    status_history = StatusStepSerializer(many=True)
    program_interest = serializers.CharField(allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    received_at = serializers.DateTimeField()
    crisis_resources = CrisisResourceSerializer(many=True)
    crisis_notice = serializers.CharField()
