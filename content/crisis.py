"""The national crisis lines every lead response and the site profile carry. They never change with the site."""

CRISIS_RESOURCES = [
    {
        "name": "988 Suicide & Crisis Lifeline",
        "description": "Call or text 988, any time, day or night. Free and confidential.",
        "phone": "988",
        "sms": "988",
        "url": "https://988lifeline.org",
    },
    {"name": "Emergency services", "description": "In an emergency, call 911.", "phone": "911", "sms": "", "url": ""},
]

CRISIS_NOTICE = (
    "Core Recovery is not a crisis service and this form is not monitored around the clock. If you or someone "
    "you know is in crisis, call or text 988 (Suicide & Crisis Lifeline). In an emergency, call 911."
)
