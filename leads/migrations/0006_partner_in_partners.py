"""A referral's partner is now partners.Partner (the same table, leads_partner: nothing moves in the database)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("leads", "0005_dashboard_indexes"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="lead",
                    name="partner",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="referrals", to="partners.partner"),
                ),
            ],
        ),
    ]
