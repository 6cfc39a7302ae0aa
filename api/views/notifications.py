"""Acknowledge links from staff messages, and Twilio's delivery-status callbacks."""

from django.conf import settings
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
    """Staff follow the link in a message: sign in if needed, acknowledge once, land on the lead."""
    if not (request.user.is_authenticated and request.user.is_staff):
        return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
    # Taking a lead on is a change to it: the same permission as the admin's acknowledge action.
    if not request.user.has_perm("leads.change_lead"):
        return problem_response(status=403, detail="You may not take leads on.", code="permission_denied")
    try:
        result = services.ack_with_token(token=token, user=request.user)
    except tokens.ExpiredToken:
        return problem_response(status=410, detail="This acknowledge link has expired.", code="ack_link_expired")
    except tokens.InvalidToken as exc:
        status, code = (409, "ack_link_used") if str(exc) == "already used" else (404, "not_found")
        detail = "This acknowledge link was already used." if status == 409 else "No such acknowledge link."
        return problem_response(status=status, detail=detail, code=code)
    response = HttpResponseRedirect(reverse("admin:leads_lead_change", args=[result.lead.pk]))
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
