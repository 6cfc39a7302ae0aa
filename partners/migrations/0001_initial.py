"""Partners and API keys move here from `leads` and `api` without touching a row.

The tables keep their names (`db_table`), so this is a move of Django's idea of the models only
(SeparateDatabaseAndState); leads/0006, notifications/0004 and api/0002 point their relations here, and
leads/0007 forgets the old Partner. The content types are renamed rather than recreated, so every permission
given to a group or a user (`view_partner`, the keys' permissions) and every admin log entry stays attached.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = [("leads", "partner"), ("api", "clientapikey")]


def rename_content_types(apps, schema_editor, *, forward=True):  # type: ignore[no-untyped-def]
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, model in MOVED:
        source, target = (old_app, "partners") if forward else ("partners", old_app)
        moving = ContentType.objects.filter(app_label=source, model=model).first()
        if moving is None:
            continue  # a fresh database: post_migrate creates the new one at the end
        # A stray, empty content type already under the new name (nothing refers to it yet) would block the rename.
        ContentType.objects.filter(app_label=target, model=model).delete()
        moving.app_label = target
        moving.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def rename_content_types_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    rename_content_types(apps, schema_editor, forward=False)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("leads", "0005_dashboard_indexes"),
        ("api", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Partner",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200, unique=True)),
                        ("slug", models.SlugField(max_length=200, unique=True)),
                        ("kind", models.CharField(choices=[("hospital", "Hospital"), ("clinician", "Clinician or practice"), ("school", "School"), ("court_probation", "Court or probation"), ("eap", "Employee assistance program (EAP)"), ("treatment_program", "Other treatment program"), ("community", "Community organisation"), ("other", "Other")], max_length=32)),
                        ("is_active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("liaison_staff", models.ManyToManyField(blank=True, help_text="Staff accounts of the center who follow this partner's referrals (the Partner liaison role).", related_name="liaison_partners", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"db_table": "leads_partner", "ordering": ["name"]},
                ),
                migrations.CreateModel(
                    name="ClientAPIKey",
                    fields=[
                        ("id", models.CharField(editable=False, max_length=150, primary_key=True, serialize=False, unique=True)),
                        ("prefix", models.CharField(editable=False, max_length=8, unique=True)),
                        ("hashed_key", models.CharField(editable=False, max_length=150)),
                        ("created", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("name", models.CharField(default=None, help_text="A free-form name for the API key. Need not be unique. 50 characters max.", max_length=50)),
                        ("revoked", models.BooleanField(blank=True, default=False, help_text="If the API key is revoked, clients cannot use it anymore. (This cannot be undone.)")),
                        ("expiry_date", models.DateTimeField(blank=True, help_text="Once API key expires, clients cannot use it anymore.", null=True, verbose_name="Expires")),
                        ("scopes", models.JSONField(default=list, help_text="Any of: content:read, referrals:write, referrals:read.")),
                        ("last_used_at", models.DateTimeField(blank=True, editable=False, null=True)),
                        ("partner", models.ForeignKey(blank=True, help_text="Empty for a site key, which may only read content.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name="api_keys", to="partners.partner")),
                    ],
                    options={
                        "verbose_name": "API key",
                        "verbose_name_plural": "API keys",
                        "db_table": "api_clientapikey",
                        "ordering": ("-created",),
                        "abstract": False,
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, rename_content_types_back),
    ]
