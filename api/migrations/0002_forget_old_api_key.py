"""API keys belong to partners/ now (same table, api_clientapikey): the HTTP adapter keeps no model."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0001_initial"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="ClientAPIKey")],
        ),
    ]
