"""Scopes per action: a missing or bad key is 401 (by authentication), a key without the scope is 403."""

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from api.authentication import APIClient


class HasActionScope(BasePermission):
    """The view names the scope each action needs in `scopes_by_action`; a partner is required too."""

    message = _("This API key does not have the scope this action needs.")

    def has_permission(self, request: Request, view: Any) -> bool:
        client = request.user
        if not isinstance(client, APIClient):
            raise NotAuthenticated(gettext("An API key is required: send `Authorization: Api-Key <key>`."))
        scope = view.scopes_by_action.get(view.action)
        return scope is not None and client.has_scope(scope) and client.partner_id is not None
