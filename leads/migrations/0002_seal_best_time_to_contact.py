"""Personal data left outside the encrypted column (security review, finding 5).

- `best_time_to_contact` is free text ("call Maria after 6 at 602-555-…"): moved into each lead's sealed
  JSON; 0003 then drops the plain column.
- `landing_page` and `referrer_url` are reduced to scheme, host, path and `utm_*` parameters, as new leads
  are (leads.services.attribution_url_reduce): a query string can carry `?email=`.
- Spam rows keep only what counts abuse: everything a bot sent goes, as for new spam.

Backwards, the best time goes back to its column; what was removed from URLs and spam rows is gone for good.
Rows are read and written in batches so that a large table never sits whole in memory.
"""

from django.db import migrations

BATCH = 500

# What a spam row keeps of a submission: only the model's defaults (leads.services._spam_create).
SPAM_SCRUB = {
    "urgency": "routine", "triage_flags": [], "program_interest": "", "state": "AZ", "out_of_state": False,
    "preferred_contact": "", "best_time_to_contact": "", "age_range": "", "consent_contact": False,
    "consent_sms": False, "sms_disclosure_version": "", "client_consent_attested": False, "utm_source": "",
    "utm_medium": "", "utm_campaign": "", "utm_term": "", "utm_content": "", "landing_page": "", "referrer_url": "",
    "sealed": "", "phone_hash": "", "email_hash": "",
}  # fmt: skip


def _batches(queryset):
    last_id = 0
    while True:
        rows = list(queryset.filter(id__gt=last_id).order_by("id")[:BATCH])
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def forwards(apps, schema_editor):
    # The current crypto and URL rule on purpose: rows must end up exactly as new leads are stored.
    from leads.crypto import seal, unseal
    from leads.services import attribution_url_reduce

    Lead = apps.get_model("leads", "Lead")
    Lead.objects.filter(is_spam=True).update(**SPAM_SCRUB)

    with_best_time = Lead.objects.filter(is_spam=False, anonymised_at__isnull=True).exclude(best_time_to_contact="")
    for rows in _batches(with_best_time.only("id", "sealed", "best_time_to_contact")):
        for lead in rows:
            lead.sealed = seal({**unseal(lead.sealed), "best_time_to_contact": lead.best_time_to_contact})
            lead.best_time_to_contact = ""
        Lead.objects.bulk_update(rows, ["sealed", "best_time_to_contact"])

    with_urls = Lead.objects.exclude(landing_page="", referrer_url="")
    for rows in _batches(with_urls.only("id", "landing_page", "referrer_url")):
        for lead in rows:
            lead.landing_page = attribution_url_reduce(url=lead.landing_page)
            lead.referrer_url = attribution_url_reduce(url=lead.referrer_url)
        Lead.objects.bulk_update(rows, ["landing_page", "referrer_url"])


def backwards(apps, schema_editor):
    from leads.crypto import seal, unseal

    Lead = apps.get_model("leads", "Lead")
    for rows in _batches(Lead.objects.exclude(sealed="").only("id", "sealed", "best_time_to_contact")):
        changed = []
        for lead in rows:
            personal = unseal(lead.sealed)
            if "best_time_to_contact" in personal:
                lead.best_time_to_contact = personal.pop("best_time_to_contact")
                lead.sealed = seal(personal)
                changed.append(lead)
        Lead.objects.bulk_update(changed, ["sealed", "best_time_to_contact"])


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
