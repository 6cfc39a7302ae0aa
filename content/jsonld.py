"""schema.org JSON-LD built from content fields, for the website to embed in <script type="application/ld+json">.

`inLanguage` is the response's language (`en` or `es`), as `Content-Language`: search engines then tell the
English and the Spanish page apart."""

from typing import Any

from django.conf import settings

from content.models import Article, Program, SiteProfile, Therapy

JsonLd = dict[str, Any]

_DAY_NAMES = {
    "Mo": "Monday",
    "Tu": "Tuesday",
    "We": "Wednesday",
    "Th": "Thursday",
    "Fr": "Friday",
    "Sa": "Saturday",
    "Su": "Sunday",
}


def _url(path: str) -> str:
    return f"{settings.PUBLIC_SITE_URL}{path}" if path else settings.PUBLIC_SITE_URL


def site_jsonld(profile: SiteProfile, *, language: str) -> JsonLd:
    data: JsonLd = {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "inLanguage": language,
        "name": profile.name,
        "url": _url(profile.canonical_path),
        "telephone": profile.phone,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": profile.street_address,
            "addressLocality": profile.city,
            "addressRegion": profile.region,
            "postalCode": profile.postal_code,
            "addressCountry": profile.country,
        },
        "medicalSpecialty": "Psychiatric",
        "availableService": [
            {"@type": "MedicalTherapy", "name": "Intensive Outpatient Program"},
            {"@type": "MedicalTherapy", "name": "Partial Hospitalization Program"},
        ],
    }
    if profile.hours:
        data["openingHoursSpecification"] = [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": [_DAY_NAMES.get(day, day) for day in slot.get("days", [])],
                "opens": slot.get("opens"),
                "closes": slot.get("closes"),
            }
            for slot in profile.hours
        ]
    return data


def _publisher(profile_name: str) -> JsonLd:
    return {"@type": "MedicalOrganization", "name": profile_name}


def program_jsonld(program: Program, *, path: str, organization: str, language: str) -> JsonLd:
    return {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "inLanguage": language,
        "name": program.seo_title or program.name,
        "description": program.seo_description or program.summary,
        "url": _url(path),
        "dateModified": program.updated_at.isoformat(),
        "about": {"@type": "MedicalTherapy", "name": program.name, "alternateName": program.short_name or None},
        "publisher": _publisher(organization),
    }


def therapy_jsonld(therapy: Therapy, *, path: str, language: str) -> JsonLd:
    data: JsonLd = {
        "@context": "https://schema.org",
        "@type": "MedicalTherapy",
        "inLanguage": language,
        "name": therapy.name,
        "description": therapy.seo_description or therapy.summary,
        "url": _url(path),
    }
    if therapy.abbreviation:
        data["alternateName"] = therapy.abbreviation
    return data


def article_jsonld(article: Article, *, path: str, organization: str, language: str) -> JsonLd:
    data: JsonLd = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "inLanguage": language,
        "headline": article.seo_title or article.title,
        "description": article.seo_description or article.summary,
        "url": _url(path),
        "datePublished": article.publish_at.isoformat() if article.publish_at else None,
        "dateModified": article.updated_at.isoformat(),
        "publisher": _publisher(organization),
        "timeRequired": f"PT{article.reading_time_minutes}M",
    }
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    return data
