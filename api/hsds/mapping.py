"""The center's content as Open Referral HSDS 3.1 objects (standards/hsds-3.1/schema/).

Mapped on each render from the content, never stored twice: the site profile is the `organization` and its
Phoenix site the `location` (with an `address` once the street address is entered), each live program a
`service` with one `service_at_location`, therapies, levels of care and insurance plans `taxonomy_term`s of
three taxonomies, linked to services by `attributes`. Run inside the response's language
(`translation.override`): translated fields read that language, falling back to English.

HSDS types its optional properties without null: a fact the center has not stated is left out, never sent as
null or invented. Ids are UUIDv5 (content.directory): stored ones for programs, therapies and plans, derived
from those for everything that belongs to them.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from content import selectors
from content.directory import directory_uuid
from content.models import InsurancePlan, NetworkStatus, Program, ProgramAvailability, SiteProfile
from content.paths import page_path

HSDS_VERSION = "3.1"
PROFILE_URL = "https://docs.openreferral.org/en/v3.1/"

ORGANIZATION_ID = str(directory_uuid("organization", "site"))
LOCATION_ID = str(directory_uuid("location", "site"))
OPENINGS_UNIT_ID = str(directory_uuid("unit", "openings"))


@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str

    @property
    def id(self) -> str:
        return str(directory_uuid("taxonomy", self.key))


THERAPIES = Taxonomy("therapies", "Core Recovery therapies", "Therapy modalities used in the center's programs.")
LEVELS_OF_CARE = Taxonomy("levels_of_care", "Levels of care", "Outpatient levels of mental-health care.")
INSURANCE = Taxonomy(
    "insurance",
    "Insurance accepted",
    "Payers and plans the center accepts; an attribute's value is the network status.",
)
TAXONOMIES = (THERAPIES, LEVELS_OF_CARE, INSURANCE)

# The days of SiteProfile.hours (schema.org's two letters) as RFC 5545 BYDAY.
_BYDAY = {"Mo": "MO", "Tu": "TU", "We": "WE", "Th": "TH", "Fr": "FR", "Sa": "SA", "Su": "SU"}
_DELIVERY = {"in_person": "in person", "telehealth": "telehealth"}
_NETWORK = {
    NetworkStatus.IN_NETWORK: "in network",
    NetworkStatus.OUT_OF_NETWORK: "out of network with benefits",
    NetworkStatus.SINGLE_CASE: "single-case agreement possible",
}


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    """Leave out what is not stated: HSDS has no nulls, and an empty text says nothing."""
    return {name: value for name, value in fields.items() if value is not None and value != ""}


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.get_default_timezone()).isoformat()


def _utc_offset_hours(zone: str) -> float:
    # HSDS schedules carry a numeric UTC offset; Arizona keeps standard time all year, so it is stable there.
    offset = datetime.now(ZoneInfo(zone)).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else 0


def level_of_care_term_id(value: str) -> str:
    return str(directory_uuid("taxonomy_term", "level_of_care", value))


# Taxonomies and their terms.


def taxonomy(item: Taxonomy) -> dict[str, Any]:
    return {"id": item.id, "name": item.name, "description": item.description, "version": "1"}


def taxonomy_terms(directory: selectors.Directory) -> list[dict[str, Any]]:
    """Every term: the live therapies, the levels of care of live programs, the plans accepted."""
    terms = [_therapy_term(therapy) for therapy in directory.therapies]
    levels = dict(Program.LevelOfCare.choices)
    for value in dict.fromkeys(program.level_of_care for program in directory.programs):
        terms.append(_term(level_of_care_term_id(value), str(levels[value]), str(levels[value]), LEVELS_OF_CARE, value))
    terms += [_insurance_term(entry["plan"]) for entry in directory.insurance]
    return terms


def _term(term_id: str, name: str, description: str, parent: Taxonomy, code: str = "") -> dict[str, Any]:
    return _compact(
        {
            "id": term_id,
            "code": code,
            "name": name,
            "description": description,
            "taxonomy": parent.name,
            "taxonomy_id": parent.id,
            "language": _language(),
        }
    )


def _therapy_term(therapy: Any) -> dict[str, Any]:
    return _term(
        str(therapy.directory_id), therapy.name, therapy.summary or therapy.name, THERAPIES, therapy.abbreviation
    )


def _insurance_term(plan: InsurancePlan) -> dict[str, Any]:
    name = f"{plan.payer} {plan.plan}".strip()
    return _term(str(plan.directory_id), name, str(plan.get_kind_display()), INSURANCE, plan.slug)


def _language() -> str:
    from django.utils.translation import get_language

    return (get_language() or "en").split("-")[0]


# The organization, its location and phone.


def organization(profile: SiteProfile | None, *, full: bool) -> dict[str, Any]:
    name = profile.name if profile else "Core Recovery"
    found = _compact(
        {
            "id": ORGANIZATION_ID,
            "name": name,
            "description": (profile.seo_description if profile else "") or name,
            "email": profile.email if profile else "",
            "website": settings.PUBLIC_SITE_URL + "/",
            "legal_status": profile.licence_statement if profile else "",
        }
    )
    if full:
        found["phones"] = [_phone(profile, owner={"organization_id": ORGANIZATION_ID}, key="organization")]
        found["phones"] = [phone for phone in found["phones"] if phone]
        found["locations"] = [location(profile)] if profile else []
    return found


def _phone(profile: SiteProfile | None, *, owner: dict[str, str], key: str) -> dict[str, Any]:
    if profile is None or not (profile.phone_display or profile.phone):
        return {}
    return {
        "id": str(directory_uuid("phone", key)),
        **owner,
        "number": profile.phone_display or profile.phone,
        "type": "voice",
        "description": str(_("Intake and information")),
    }


def location(profile: SiteProfile) -> dict[str, Any]:
    found = _compact(
        {
            "id": LOCATION_ID,
            "location_type": "physical",
            "organization_id": ORGANIZATION_ID,
            "name": ", ".join(part for part in (profile.name, profile.city) if part),
            "url": settings.PUBLIC_SITE_URL + "/",
        }
    )
    found["addresses"] = [_address(profile)] if profile.street_address and profile.postal_code else []
    found["phones"] = [
        phone for phone in [_phone(profile, owner={"location_id": LOCATION_ID}, key="location")] if phone
    ]
    found["schedules"] = _opening_hours(profile)
    return found


def _address(profile: SiteProfile) -> dict[str, Any]:
    return {
        "id": str(directory_uuid("address", "site")),
        "location_id": LOCATION_ID,
        "address_1": profile.street_address,
        "city": profile.city,
        "state_province": profile.region,
        "postal_code": profile.postal_code,
        "country": profile.country,
        "address_type": "physical",
    }


def _opening_hours(profile: SiteProfile) -> list[dict[str, Any]]:
    """The site's opening hours as weekly RFC 5545 rules (FREQ=WEEKLY;BYDAY=MO,TU with opening and closing)."""
    schedules = []
    for number, entry in enumerate(profile.hours if isinstance(profile.hours, list) else []):
        days = [_BYDAY[day] for day in entry.get("days", []) if day in _BYDAY]
        if not days:
            continue
        schedules.append(
            _compact(
                {
                    "id": str(directory_uuid("schedule", "location", number)),
                    "location_id": LOCATION_ID,
                    "freq": "WEEKLY",
                    "wkst": "MO",
                    "byday": ",".join(days),
                    "opens_at": entry.get("opens", ""),
                    "closes_at": entry.get("closes", ""),
                    "timezone": _utc_offset_hours(profile.time_zone),
                    "description": str(_("Opening hours")),
                }
            )
        )
    return schedules


# Services.


def service_id(program: Program) -> str:
    return str(program.directory_id)


def service_at_location_id(program: Program) -> str:
    return str(directory_uuid("service_at_location", program.directory_id, "site"))


def service(
    program: Program, directory: selectors.Directory, *, nested: bool, now: datetime | None = None
) -> dict[str, Any]:
    """A live program as an HSDS service; `nested` adds its related objects (phones, schedules, capacities …)."""
    profile = directory.profile
    sid = service_id(program)
    availability = selectors.availability_shown(program=program, now=now)
    found = _compact(
        {
            "id": sid,
            "organization_id": ORGANIZATION_ID,
            "name": program.name,
            "alternate_name": program.short_name,
            "description": program.summary or program.who_it_is_for or program.name,
            "url": settings.PUBLIC_SITE_URL + page_path(program),
            "email": profile.email if profile else "",
            "status": "active",
            "fees_description": program.fees_description,
            "wait_time": _wait_time(availability),
            "eligibility_description": _eligibility(program),
            "minimum_age": program.minimum_age,
            "maximum_age": program.maximum_age,
            "licenses": profile.licence_statement if profile else "",
            "last_modified": _iso(_last_modified(program)),
        }
    )
    if not nested:
        return found
    attributes = _attributes(program, directory)
    found.update(
        {
            "phones": [phone for phone in [_phone(profile, owner={"service_id": sid}, key=f"service:{sid}")] if phone],
            "schedules": _program_schedule(program),
            "service_areas": [_service_area(program)],
            "service_at_locations": [service_at_location(program, directory, nested=True)] if profile else [],
            "languages": _languages(program),
            "organization": organization(profile, full=False),
            "cost_options": _cost_options(program, directory),
            "required_documents": [
                {"id": str(directory_uuid("required_document", sid, number)), "service_id": sid, "document": text}
                for number, text in enumerate(program.required_documents or [])
            ],
            "capacities": _capacities(program, availability),
            "attributes": attributes,
        }
    )
    return found


def _last_modified(program: Program) -> datetime:
    # An availability update touches the program (content.services.program_touch); the row's own time too,
    # should it have been written another way.
    moments = [program.updated_at]
    availability = getattr(program, "availability", None)
    if availability is not None and availability.updated_at is not None:
        moments.append(availability.updated_at)
    return max(moments)


def _wait_time(availability: dict[str, Any]) -> str:
    days = availability["typical_wait_days"]
    if days is None:
        return ""
    return str(_("About %(days)s days") % {"days": days})


def _eligibility(program: Program) -> str:
    conditions = ", ".join(program.conditions_addressed or [])
    parts = [program.who_it_is_for, str(_("Conditions: %(list)s.") % {"list": conditions}) if conditions else ""]
    return " ".join(part for part in parts if part)


def _program_schedule(program: Program) -> list[dict[str, Any]]:
    """The program's rhythm (days a week, hours a day) as a weekly rule: which weekdays is not recorded, so
    the rule names none (no BYDAY) and the description says the rest."""
    if program.days_per_week is None and program.hours_per_day is None:
        return []
    parts = []
    if program.days_per_week is not None:
        parts.append(str(_("%(count)s days a week") % {"count": program.days_per_week}))
    if program.hours_per_day is not None:
        parts.append(str(_("%(count)s hours a day") % {"count": f"{program.hours_per_day:g}"}))
    methods = ", ".join(_DELIVERY[method] for method in program.delivery_methods or [] if method in _DELIVERY)
    return [
        _compact(
            {
                "id": str(directory_uuid("schedule", program.directory_id, "program")),
                "service_id": service_id(program),
                "freq": "WEEKLY",
                "interval": 1,
                "description": ", ".join(parts),
                "attending_type": methods,
            }
        )
    ]


def _service_area(program: Program) -> dict[str, Any]:
    counties = list(program.service_area_counties or [])
    name = ", ".join(f"{county} County" for county in counties) + ", Arizona" if counties else "Arizona"
    return {
        "id": str(directory_uuid("service_area", program.directory_id)),
        "service_id": service_id(program),
        "name": name,
        "description": str(_("People living in %(area)s.") % {"area": name}),
    }


def _languages(program: Program) -> list[dict[str, Any]]:
    found = []
    for code in program.languages or []:
        try:
            name = str(get_language_info(code)["name"])
        except KeyError:
            name = code
        found.append(
            {
                "id": str(directory_uuid("language", program.directory_id, code)),
                "service_id": service_id(program),
                "name": name,
                "code": code,
            }
        )
    return found


def _accepted(program: Program, directory: selectors.Directory) -> list[dict[str, Any]]:
    return selectors.program_insurance(program=program, plans=directory.insurance)


def _cost_options(program: Program, directory: selectors.Directory) -> list[dict[str, Any]]:
    """Self-pay, where the center lists it, as a cost option (with its note); the fees text says the rest."""
    sid = service_id(program)
    return [
        _compact(
            {
                "id": str(directory_uuid("cost_option", sid, entry["plan"].directory_id)),
                "service_id": sid,
                "option": f"{entry['plan'].payer} {entry['plan'].plan}".strip(),
                "amount_description": entry["plan"].notes or program.fees_description,
                "currency": "USD",
            }
        )
        for entry in _accepted(program, directory)
        if entry["plan"].kind == InsurancePlan.Kind.SELF_PAY
    ]


def _attributes(program: Program, directory: selectors.Directory) -> list[dict[str, Any]]:
    """Links from the service to its terms: its level of care, its live therapies, each plan it accepts (the
    value saying the network status)."""
    sid = service_id(program)
    terms: list[tuple[dict[str, Any], str]] = []
    levels = dict(Program.LevelOfCare.choices)
    level = str(levels[program.level_of_care])
    level_term = _term(
        level_of_care_term_id(program.level_of_care), level, level, LEVELS_OF_CARE, program.level_of_care
    )
    terms.append((level_term, program.level_of_care))
    terms += [
        (_therapy_term(therapy), therapy.abbreviation or therapy.name)
        for therapy in getattr(program, "live_therapies", [])
    ]
    terms += [
        (_insurance_term(entry["plan"]), str(_NETWORK.get(entry["network_status"], entry["network_status"])))
        for entry in _accepted(program, directory)
        if entry["plan"].kind != InsurancePlan.Kind.SELF_PAY
    ]
    return [
        _compact(
            {
                "id": str(directory_uuid("attribute", sid, term["id"])),
                "link_id": sid,
                "link_type": "service",
                "link_entity": "service",
                "taxonomy_term_id": term["id"],
                "taxonomy_term": term,
                "value": value,
                "label": term["taxonomy"],
            }
        )
        for term, value in terms
    ]


def term_ids(service_object: dict[str, Any]) -> set[str]:
    return {attribute["taxonomy_term_id"] for attribute in service_object.get("attributes", [])}


def _capacities(program: Program, availability: dict[str, Any]) -> list[dict[str, Any]]:
    """The availability as an HSDS `service_capacity` in "openings": while fresh and stated, with the number
    of openings (none on a waitlist or paused); none while unknown (never stated, stale, or no number)."""
    accepting = availability["accepting"]
    if accepting == ProgramAvailability.Accepting.UNKNOWN:
        return []
    if accepting == ProgramAvailability.Accepting.YES:
        if availability["openings"] is None:
            return []
        available = availability["openings"]
    else:
        available = 0
    labels = {
        ProgramAvailability.Accepting.YES: _("Accepting new clients"),
        ProgramAvailability.Accepting.WAITLIST: _("Waitlist"),
        ProgramAvailability.Accepting.PAUSED: _("Not accepting new clients for now"),
    }
    description = str(labels[accepting])
    if availability["next_intake_date"] is not None:
        description += ". " + str(_("Next intake: %(date)s") % {"date": availability["next_intake_date"].isoformat()})
    return [
        {
            "id": str(directory_uuid("service_capacity", program.directory_id)),
            "service_id": service_id(program),
            "unit": {"id": OPENINGS_UNIT_ID, "name": "openings"},
            "unit_id": OPENINGS_UNIT_ID,
            "available": available,
            "description": description,
            "updated": _iso(availability["updated_at"]),
        }
    ]


def service_at_location(program: Program, directory: selectors.Directory, *, nested: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": service_at_location_id(program),
        "service_id": service_id(program),
        "location_id": LOCATION_ID,
        "description": f"{program.name}, {directory.profile.city if directory.profile else ''}".strip(", "),
    }
    if nested and directory.profile is not None:
        found["location"] = location(directory.profile)
        found["service_areas"] = [_service_area(program)]
        found["schedules"] = _program_schedule(program)
    return found
