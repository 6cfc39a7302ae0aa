"""Publishable keys (the embeddable referral form): a key's kind and its allowed origins.

Every existing key becomes a secret key with no origins, which is what it was: nothing about it changes.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='clientapikey',
            name='allowed_origins',
            field=models.JSONField(blank=True, default=list, help_text='Publishable keys only: the origins (scheme://host[:port]) of the pages that may use the key.'),
        ),
        migrations.AddField(
            model_name='clientapikey',
            name='kind',
            field=models.CharField(choices=[('secret', 'Secret (server to server)'), ('publishable', "Publishable (the embeddable form in a partner's web page)")], default='secret', max_length=16),
        ),
        migrations.AddConstraint(
            model_name='clientapikey',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['secret', 'publishable'])), name='clientapikey_kind_known'),
        ),
        migrations.AddConstraint(
            model_name='clientapikey',
            constraint=models.CheckConstraint(condition=models.Q(('kind', 'secret'), ('partner__isnull', False), _connector='OR'), name='clientapikey_publishable_has_partner'),
        ),
    ]
