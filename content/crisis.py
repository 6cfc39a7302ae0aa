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

# The same lines in Spanish, for the site profile's Spanish version. The 988 Lifeline answers in Spanish
# (by phone, option 2); 911 dispatchers use interpreters.
CRISIS_RESOURCES_ES = [
    {
        "name": "988 Línea de Prevención del Suicidio y Crisis",
        "description": "Llame o envíe un mensaje de texto al 988, a cualquier hora del día o de la noche; para "
        "hablar en español, marque la opción 2. Es gratis y confidencial.",
        "phone": "988",
        "sms": "988",
        "url": "https://988lifeline.org",
    },
    {
        "name": "Servicios de emergencia",
        "description": "En una emergencia, llame al 911.",
        "phone": "911",
        "sms": "",
        "url": "",
    },
]

CRISIS_NOTICE = (
    "Core Recovery is not a crisis service and this form is not monitored around the clock. If you or someone "
    "you know is in crisis, call or text 988 (Suicide & Crisis Lifeline). In an emergency, call 911."
)

CRISIS_NOTICE_ES = (
    "Core Recovery no es un servicio de crisis y este formulario no se atiende las 24 horas. Si usted o alguien "
    "que conoce está en crisis, llame o envíe un mensaje de texto al 988 (Línea de Prevención del Suicidio y "
    "Crisis; para hablar en español, marque la opción 2). En una emergencia, llame al 911."
)


def crisis_lines(lang: str) -> tuple[list[dict[str, str]], str]:
    """The crisis resources and the notice that this is not a crisis service, in `lang` (English otherwise)."""
    if lang == "es":
        return CRISIS_RESOURCES_ES, CRISIS_NOTICE_ES
    return CRISIS_RESOURCES, CRISIS_NOTICE
