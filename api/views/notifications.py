"""Acknowledge links from staff messages, and Twilio's delivery-status callbacks."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from twilio.request_validator import RequestValidator

from api.exceptions import problem_response
from notifications import services, tokens


@require_GET
def lead_ack(request: HttpRequest, token: str) -> HttpResponse:
    """Staff follow the link in a message: sign in if needed, take the lead on once, land on its staff page.

    A link used before still opens the lead, whose page says who took it on and when.
    """
    if not (request.user.is_authenticated and request.user.is_staff):
        return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
    # Taking a lead on is a change to it: the permission the staff pages ask for the same action.
    if not request.user.has_perm("leads.change_lead"):
        return problem_response(status=403, detail="You may not take leads on.", code="permission_denied")
    try:
        result = services.ack_with_token(token=token, user=request.user)
    except tokens.ExpiredToken:
        return problem_response(status=410, detail="This acknowledge link has expired.", code="ack_link_expired")
    except tokens.InvalidToken:
        return problem_response(status=404, detail="No such acknowledge link.", code="not_found")
    if result.link_already_used:
        messages.info(request, "This link was used before: the lead is as you see it here.")
    elif result.newly_acknowledged:
        messages.success(request, f"{result.lead.reference} is yours: escalation has stopped.")
    response = HttpResponseRedirect(reverse("staff:lead", args=[result.lead.reference]))
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's status callback: accepted only with a valid X-Twilio-Signature; duplicates are harmless."""
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    # Twilio signs the URL it called: ours as the public sees it (ADMIN_BASE_URL), with the form fields.
    url = settings.ADMIN_BASE_URL.rstrip("/") + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.POST.dict()
    if not settings.TWILIO_AUTH_TOKEN or not validator.validate(url, params, signature):
        return problem_response(status=403, detail="Invalid Twilio signature.", code="invalid_signature")
    message_id, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
    if message_id and status:
        services.notification_record_provider_status(provider_message_id=message_id, provider_status=status)
    return HttpResponse(status=204)
