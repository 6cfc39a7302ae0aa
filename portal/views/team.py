"""The partner admin's page: their organisation's people, invite one, remove one (partners.services decides
who may; this page is only shown to a partner admin, and the service refuses anyone else anyway)."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from partners import services
from partners.exceptions import NotAllowed
from partners.models import PartnerUser
from partners.selectors import partner_people
from portal.access import portal_page, post_only, redirect_to
from portal.forms import InviteForm


def _page(request: HttpRequest, form: InviteForm, *, status: int = 200, error: str = "") -> HttpResponse:
    user: PartnerUser = request.partner_user  # type: ignore[attr-defined]
    context = {"people": partner_people(partner=user.partner), "form": form, "section": "team", "error": error,
               "done": request.GET.get("done", "")}  # fmt: skip
    return render(request, "portal/team.html", context, status=status)


@portal_page(admin_only=True)
def team(request: HttpRequest) -> HttpResponse:
    return _page(request, InviteForm())


@portal_page(admin_only=True)
@post_only(on_get=redirect_to("portal:team"))
def invite(request: HttpRequest) -> HttpResponse:
    user: PartnerUser = request.partner_user  # type: ignore[attr-defined]
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.partner_user_invite(partner=user.partner, by=user, **form.cleaned_data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
            form.mark_invalid()
        else:
            return HttpResponseRedirect(reverse("portal:team") + "?done=invited")
    return _page(request, form, status=400)


@portal_page(admin_only=True)
@post_only(on_get=redirect_to("portal:team"))
def remove(request: HttpRequest, person_id: int) -> HttpResponse:
    user: PartnerUser = request.partner_user  # type: ignore[attr-defined]
    # Only among the admin's own organisation's people: anyone else's id is not found.
    person = partner_people(partner=user.partner).filter(pk=person_id, is_active=True).first()
    if person is None:
        raise Http404
    try:
        services.partner_user_remove(user=person, by=user)
    except NotAllowed as refused:
        return _page(request, InviteForm(), status=403, error=refused.detail)
    return HttpResponseRedirect(reverse("portal:team") + "?done=removed")
