"""Example bodies for the OpenAPI document, in the shape the seed content has."""

_SEO = {
    "title": "Intensive Outpatient Program (IOP)",
    "description": "Structured outpatient care.",
    "canonical_path": "/programs/iop/",
}
_BODY = [
    {"type": "heading", "level": 2, "text": "Identifying Triggers"},
    {"type": "paragraph", "children": [{"text": "Therapy helps you "}, {"text": "identify triggers", "bold": True}]},
    {"type": "crisis_resources"},
]
_BODY_HTML = "<h2>Identifying Triggers</h2>\n<p>Therapy helps you <strong>identify triggers</strong></p>\n…"

PROGRAM = {
    "slug": "iop",
    "name": "Intensive Outpatient Program",
    "short_name": "IOP",
    "level_of_care": "intensive_outpatient",
    "summary": "Structured therapy several days a week while you live at home.",
    "hero_image": None,
    "schedule": {"days_per_week": None, "hours_per_day": None},
    "typical_length": "",
    "who_it_is_for": "Adults who need more support than weekly therapy.",
    "conditions_addressed": ["Anxiety", "Depression", "Substance use"],
    "what_to_expect": "A personalized treatment plan, group and individual sessions.",
    "availability": {
        "accepting": "yes",
        "openings": 3,
        "next_intake_date": "2026-01-12",
        "typical_wait_days": 2,
        "updated_at": "2026-01-05T09:00:00-07:00",
        "stale": False,
    },
    "eligibility": {
        "minimum_age": 18,
        "maximum_age": None,
        "level_of_care": "intensive_outpatient",
        "conditions": ["Anxiety", "Depression", "Substance use"],
        "languages": ["en", "es"],
        "service_area": {"state": "AZ", "counties": []},
        "delivery_methods": ["in_person", "telehealth"],
        "required_documents": ["Photo ID", "Insurance card"],
        "fees_description": "",
    },
    "insurance": [
        {
            "slug": "medicare",
            "payer": "Medicare",
            "plan": "",
            "kind": "medicare",
            "network_status": "in_network",
            "notes": "",
        }
    ],
    "therapies": [{"slug": "cbt", "name": "Cognitive behavioral therapy", "abbreviation": "CBT"}],
    "faqs": [{"id": 1, "question": "What role does therapy play in an IOP?", "answer": "It is the cornerstone…"}],
    "body": _BODY,
    "body_html": _BODY_HTML,
    "seo": _SEO,
    "json_ld": {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "inLanguage": "en",
        "name": "Intensive Outpatient Program",
    },
    "published_at": "2026-01-05T09:00:00-07:00",
    "updated_at": "2026-01-05T09:00:00-07:00",
}

THERAPY = {
    "slug": "cbt",
    "name": "Cognitive behavioral therapy",
    "abbreviation": "CBT",
    "summary": "Practical techniques to manage stress, regulate emotions and cope with cravings.",
    "hero_image": None,
    "formats": ["individual", "group"],
    "programs": [{"slug": "iop", "name": "Intensive Outpatient Program", "short_name": "IOP"}],
    "body": _BODY,
    "body_html": _BODY_HTML,
    "seo": {**_SEO, "title": "Cognitive behavioral therapy", "canonical_path": "/therapies/cbt/"},
    "json_ld": {
        "@context": "https://schema.org",
        "@type": "MedicalTherapy",
        "inLanguage": "en",
        "name": "Cognitive behavioral therapy",
    },
    "published_at": "2026-01-05T09:00:00-07:00",
    "updated_at": "2026-01-05T09:00:00-07:00",
}

ARTICLE = {
    "slug": "role-of-therapy-in-iop",
    "title": "The Role of Therapy in an Intensive Outpatient Program",
    "summary": "How therapy supports recovery in an IOP.",
    "hero_image": None,
    "author": "",
    "tags": [{"slug": "relapse-prevention", "name": "Relapse prevention"}],
    "related_programs": [{"slug": "iop", "name": "Intensive Outpatient Program", "short_name": "IOP"}],
    "related_therapies": [{"slug": "cbt", "name": "Cognitive behavioral therapy", "abbreviation": "CBT"}],
    "reading_time_minutes": 6,
    "published_at": "2026-01-05T09:00:00-07:00",
    "updated_at": "2026-01-05T09:00:00-07:00",
    "body": _BODY,
    "body_html": _BODY_HTML,
    "seo": {**_SEO, "title": "The Role of Therapy in an IOP", "canonical_path": "/articles/role-of-therapy-in-iop/"},
    "json_ld": {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "inLanguage": "en",
        "headline": "The Role of Therapy…",
    },
}

FAQ = {
    "id": 1,
    "question": "What role does therapy play in an IOP?",
    "answer": "Therapy is the cornerstone of an Intensive Outpatient Program…",
    "program": "iop",
    "order": 1,
}

TESTIMONIAL = {
    "id": 1,
    "quote": "The group sessions gave me people who understood.",
    "attribution": "Anonymous",
    "program": "iop",
    "published_at": "2026-01-05T09:00:00-07:00",
}

CRISIS_RESOURCES = [
    {
        "name": "988 Suicide & Crisis Lifeline",
        "description": "Call or text 988, any time, day or night.",
        "phone": "988",
        "sms": "988",
        "url": "https://988lifeline.org",
    },
    {"name": "Emergency services", "description": "In an emergency, call 911.", "phone": "911", "sms": "", "url": ""},
]

SITE = {
    "name": "Core Recovery",
    "licence_statement": "Arizona-licensed outpatient mental health facility",
    "phone": "+16029267729",
    "phone_display": "602-926-7729",
    "email": "",
    "address": {"street_address": "", "city": "Phoenix", "region": "AZ", "postal_code": "", "country": "US"},
    "hours": [],
    "time_zone": "America/Phoenix",
    "crisis_resources": CRISIS_RESOURCES,
    "calls_to_action": [
        {
            "text": "Are you feeling lost? Anxious? Depressed? Our team of mental health experts is here to help.",
            "label": "Call 602-926-7729",
            "href": "tel:+16029267729",
        },
    ],
    "seo": {
        "title": "Core Recovery",
        "description": "Arizona-licensed outpatient mental health facility",
        "canonical_path": "/",
    },
    "json_ld": {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "inLanguage": "en",
        "name": "Core Recovery",
    },
    "updated_at": "2026-01-05T09:00:00-07:00",
}

# Every content item says its language and which fields fell back to English (always none in English).
for _example in (PROGRAM, THERAPY, ARTICLE, FAQ, TESTIMONIAL, SITE):
    _example.update(language="en", fallback_fields=[])

SITEMAP_ENTRY = {
    "path": "/programs/iop/",
    "type": "program",
    "lastmod": "2026-01-05T09:00:00-07:00",
    "alternates": [{"lang": "es", "path": "/es/programs/iop/"}],
    "images": [],
}

MENU = {
    "slug": "header",
    "name": "Header",
    "items": [
        {
            "label": "Programs",
            "path": "/programs/",
            "external": False,
            "children": [
                {"label": "Partial Hospitalization Program", "path": "/programs/php/", "external": False},
                {"label": "Intensive Outpatient Program", "path": "/programs/iop/", "external": False},
            ],
        },
    ],
}

REDIRECT = {
    "old_path": "/articles/what-is-iop/",
    "new_path": "/articles/role-of-therapy-in-iop/",
    "permanent": True,
    "external": False,
    "source": "slug_change",
}

INSURANCE_PLAN = {
    "slug": "medicare",
    "payer": "Medicare",
    "plan": "",
    "kind": "medicare",
    "notes": "",
    "programs": [{"slug": "iop", "network_status": "in_network"}],
}

_MEDIA_BASE = "https://api.example.org/media/renditions"

MEDIA_IMAGE = {
    "id": 12,
    "url": f"{_MEDIA_BASE}/5f0c7c1e9a3d4b2e8f6a1c0d3b2e4f5a.jpg",
    "width": 2400,
    "height": 1600,
    "alt": "A group therapy room with chairs in a circle",
    "caption": "",
    "credit": "© Core Recovery",
    "licence": "Owned by Core Recovery",
    "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
    "focal_point": {"x": 0.5, "y": 0.4},
    "renditions": [
        {
            "url": f"{_MEDIA_BASE}/1b2c3d4e5f60718293a4b5c6d7e8f901.avif",
            "width": 320,
            "height": 213,
            "format": "avif",
            "crop": "",
        },
        {
            "url": f"{_MEDIA_BASE}/5f0c7c1e9a3d4b2e8f6a1c0d3b2e4f5a.jpg",
            "width": 1920,
            "height": 1280,
            "format": "jpeg",
            "crop": "",
        },
    ],
    "srcset": {
        "avif": f"{_MEDIA_BASE}/1b2c3d4e5f60718293a4b5c6d7e8f901.avif 320w",
        "webp": "",
        "jpeg": f"{_MEDIA_BASE}/5f0c7c1e9a3d4b2e8f6a1c0d3b2e4f5a.jpg 1920w",
    },
}
