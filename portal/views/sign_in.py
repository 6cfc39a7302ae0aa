"""Signing in to the portal: by an emailed link (bound to this browser) or a password with a TOTP code; the
first time, from the invitation, where the person chooses which."""

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from partners import services
from partners.exceptions import AccountLocked, SignInRefused, TokenInvalid
from partners.models import PartnerUser
from portal import session
from portal.access import portal_page, post_only
from portal.forms import TOTP_KEY_SALT, MagicLinkForm, PasswordSignInForm, WelcomeForm


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = target.startswith(session.PATH) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else reverse("portal:referrals")


def _signed_in(request: HttpRequest, user: PartnerUser, *, to: str) -> HttpResponse:
    response = HttpResponseRedirect(to)
    session.session_start(request, response, user=user)
    return response


@portal_page(signed_in=False)
def sign_in(request: HttpRequest) -> HttpResponse:
    link_form, password_form = MagicLinkForm(prefix="link"), PasswordSignInForm(prefix="pw")
    status = 200
    if request.method == "POST" and request.POST.get("way") == "link":
        link_form = MagicLinkForm(request.POST, prefix="link")
        if link_form.is_valid():
            nonce = session.browser_nonce(request)
            services.magic_link_issue(email=link_form.cleaned_data["email"], browser_nonce=nonce)
            response = HttpResponseRedirect(reverse("portal:sign-in-sent"))
            session.browser_nonce_keep(response, nonce)
            return response
        status = 400
    elif request.method == "POST" and request.POST.get("way") == "password":
        password_form = PasswordSignInForm(request.POST, prefix="pw")
        if password_form.is_valid():
            data = password_form.cleaned_data
            try:
                user = services.password_sign_in(
                    email=data["email"], password=data["password"], totp_code=data["totp_code"]
                )
            except (SignInRefused, AccountLocked) as refused:
                password_form.add_error(None, refused.detail)
                status = 429 if isinstance(refused, AccountLocked) else 400
            else:
                return _signed_in(request, user, to=_next_url(request))
        else:
            status = 400
    context = {"link_form": link_form, "password_form": password_form, "next": request.GET.get("next", "")}
    return render(request, "portal/sign_in.html", context, status=status)


@portal_page(signed_in=False)
def sign_in_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/sign_in_sent.html")


@portal_page(signed_in=False)
def magic_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST signs in: a mail scanner that opens the link does not spend it."""
    if request.method == "POST":
        try:
            nonce = request.COOKIES.get(session.BROWSER_COOKIE, "")
            user = services.magic_link_redeem(token=token, browser_nonce=nonce)
        except (TokenInvalid, AccountLocked) as refused:
            return render(request, "portal/link_refused.html", {"reason": refused.detail}, status=400)
        return _signed_in(request, user, to=reverse("portal:referrals"))
    return render(request, "portal/magic_link.html")


@portal_page(signed_in=False)
def welcome(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.invitation_check(token=token)
    except TokenInvalid as refused:
        return render(request, "portal/link_refused.html", {"reason": refused.detail}, status=400)
    if request.method == "POST":
        form = WelcomeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.invitation_accept(
                    token=token, method=data["method"], name=data["name"], password=data["password"],
                    totp_key=data["totp_key"], totp_code=data["totp_code"],
                )  # fmt: skip
            except TokenInvalid as refused:
                return render(request, "portal/link_refused.html", {"reason": refused.detail}, status=400)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
                form.mark_invalid()
            else:
                return _signed_in(request, user, to=reverse("portal:refer"))
        key = form.cleaned_data.get("totp_key") or services.totp_key_new()
        status = 400
    else:
        key = services.totp_key_new()
        form = WelcomeForm(initial={"name": user.name, "totp_key": signing.dumps(key, salt=TOTP_KEY_SALT)})
        status = 200
    context = {
        "form": form, "invited": user, "totp_secret": services.totp_secret_for_app(key),
        "totp_uri": services.totp_uri(user=user, key=key),
    }  # fmt: skip
    return render(request, "portal/welcome.html", context, status=status)


def _sign_out_page(request: HttpRequest) -> HttpResponse:
    # A bookmarked or reloaded sign-out URL: signed in, a button that signs out (a GET never does); else sign in.
    if request.partner_user is None:  # type: ignore[attr-defined]
        return HttpResponseRedirect(reverse("portal:sign-in"))
    return render(request, "portal/sign_out.html")


@portal_page(signed_in=False)
@post_only(on_get=_sign_out_page)
def sign_out(request: HttpRequest) -> HttpResponse:
    response = HttpResponseRedirect(reverse("portal:sign-in"))
    session.session_end(request, response)
    return response
