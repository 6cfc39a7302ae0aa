"""Staff who may only view cannot change through admin actions or acknowledge links (found by the matrix)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from content.models import Article, PublicationStatus
from leads.models import Lead
from notifications import tokens
from notifications.models import Notification, Recipient
from tests.factories import ArticleFactory
from tests.notifications.conftest import make_event, make_lead

pytestmark = pytest.mark.django_db


def viewer(client, django_user_model, *codenames: str):
    user = django_user_model.objects.create_user("viewer", password="x" * 12, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


@pytest.mark.parametrize("action", ["publish", "unpublish", "archive"])
def test_a_content_viewer_cannot_run_publishing_actions(client, django_user_model, action):
    article = (
        ArticleFactory(status=PublicationStatus.DRAFT, publish_at=None) if action == "publish" else ArticleFactory()
    )
    before = article.status
    client = viewer(client, django_user_model, "view_article")

    client.post(reverse("admin:content_article_changelist"), {"action": action, "_selected_action": [article.pk]})

    assert Article.objects.get(pk=article.pk).status == before


def staff_notification(**fields) -> Notification:
    recipient = Recipient.objects.create(name="admissions", email="admissions@staff.example", channels=["email"])
    return Notification.objects.create(event=make_event(make_lead()), recipient=recipient, channel="email", **fields)


def test_a_notification_viewer_cannot_resend(client, django_user_model):
    notification = staff_notification(status="failed")
    client = viewer(client, django_user_model, "view_notification")

    client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "resend", "_selected_action": [notification.pk]},
    )

    notification.refresh_from_db()
    assert notification.status == "failed"


def test_staff_without_the_leads_change_permission_cannot_acknowledge_by_link(client, django_user_model):
    notification = staff_notification()
    client = viewer(client, django_user_model, "view_article")

    response = client.get(reverse("v1:lead-ack", args=[tokens.make_token(notification.pk)]))

    assert response.status_code == 403
    assert Lead.objects.get().acknowledged_at is None
    notification.refresh_from_db()
    assert notification.ack_used_at is None


def test_api_keys_are_revoked_in_the_admin_never_deleted(client, django_user_model):
    from partners.models import ClientAPIKey
    from tests.leads.conftest import make_key

    make_key(None, ["content:read"])
    key = ClientAPIKey.objects.get()
    client.force_login(django_user_model.objects.create_superuser("keys", "keys@example.org", "a-long-password-1"))

    page = client.get(reverse("admin:partners_clientapikey_delete", args=[key.pk]))
    client.post(
        reverse("admin:partners_clientapikey_changelist"), {"action": "delete_selected", "_selected_action": [key.pk]}
    )

    assert page.status_code == 403
    assert ClientAPIKey.objects.filter(pk=key.pk).exists()
