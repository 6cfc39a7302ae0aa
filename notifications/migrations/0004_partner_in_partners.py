"""Routing rules, liaisons and webhook endpoints point at partners.Partner (the same table: no rows change)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0003_edge_purges"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="recipient",
                    name="liaison_for",
                    field=models.ManyToManyField(blank=True, help_text="Partners whose referrals this person follows.", related_name="liaisons", to="partners.partner"),
                ),
                migrations.AlterField(
                    model_name="routingrule",
                    name="partner",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to="partners.partner"),
                ),
                migrations.AlterField(
                    model_name="webhookendpoint",
                    name="partner",
                    field=models.ForeignKey(blank=True, help_text="The partner that owns this endpoint; empty for the center's own website.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name="webhook_endpoints", to="partners.partner"),
                ),
            ],
        ),
    ]
