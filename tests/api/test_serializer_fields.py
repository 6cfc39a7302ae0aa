"""The submission serializers copy their declared fields shallowly (api.serializers.leads.StrictSerializer):
each serializer still gets fields of its own, bound to it, and nothing one request sets reaches the next."""

from api.serializers.leads import LeadRequestSerializer, ReferralRequestSerializer

REFERRAL = {
    "first_name": "Casey",
    "phone": "602-555-0142",
    "reason_for_referral": "Step-down from inpatient care.",
    "client_consent": True,
    "referrer": {"name": "Dr. Example", "phone": "602-555-0199"},
}


def test_each_serializer_has_its_own_fields_bound_to_it():
    first, second = ReferralRequestSerializer(data=REFERRAL), ReferralRequestSerializer(data=REFERRAL)

    for name in ("first_name", "phone", "state", "referrer"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first
        assert second.fields[name].parent is second
    # The nested serializer's fields belong to this request's nested copy, whose root is this serializer.
    assert first.fields["referrer"].fields["name"].root is first
    assert first.fields["referrer"].fields["name"] is not second.fields["referrer"].fields["name"]


def test_the_declared_fields_are_never_bound():
    serializer = ReferralRequestSerializer(data=REFERRAL)
    assert serializer.is_valid(), serializer.errors

    declared = ReferralRequestSerializer._declared_fields
    assert declared["first_name"].parent is None
    assert declared["first_name"].field_name is None
    assert declared["first_name"].label is None  # bind() sets the label on the copy only
    assert "fields" not in vars(declared["referrer"])  # the nested prototype never built its fields


def test_one_requests_errors_and_data_do_not_reach_the_next():
    bad = ReferralRequestSerializer(data={**REFERRAL, "phone": "12", "referrer": {"name": ""}})
    assert not bad.is_valid()
    assert set(bad.errors) == {"phone", "referrer"}

    good = ReferralRequestSerializer(data=REFERRAL)
    assert good.is_valid(), good.errors
    assert good.validated_data["phone"] == "+16025550142"
    assert good.validated_data["referrer"]["phone"] == "+16025550199"


def test_unknown_fields_are_still_refused():
    serializer = LeadRequestSerializer(data={"first_name": "Casey", "emial": "x"})
    assert not serializer.is_valid()
    assert serializer.errors["emial"] == ["Unknown field."]
