"""Forget leads.Partner once nothing points at it any more; its table is partners.Partner's now."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("leads", "0006_partner_in_partners"),
        ("notifications", "0004_partner_in_partners"),
        ("api", "0002_forget_old_api_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Partner")],
        ),
    ]
