"""The referral portal's paths, all under /partners/ (its session cookie is limited to that path)."""

from django.urls import path
from django.views.generic import RedirectView

from portal.views import language, referrals, sign_in, team

app_name = "portal"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:referrals", permanent=False), name="home"),
    path("sign-in/", sign_in.sign_in, name="sign-in"),
    path("sign-in/sent/", sign_in.sign_in_sent, name="sign-in-sent"),
    path("sign-in/link/<str:token>/", sign_in.magic_link, name="magic-link"),
    path("welcome/<str:token>/", sign_in.welcome, name="welcome"),
    path("sign-out/", sign_in.sign_out, name="sign-out"),
    path("refer/", referrals.refer, name="refer"),
    path("refer/<str:reference>/done/", referrals.refer_done, name="refer-done"),
    path("referrals/", referrals.referrals, name="referrals"),
    path("referrals/<str:reference>/", referrals.referral, name="referral"),
    path("team/", team.team, name="team"),
    path("team/invite/", team.invite, name="team-invite"),
    path("team/<int:person_id>/remove/", team.remove, name="team-remove"),
    # Django's own: stores the choice in the language cookie and goes back to the page (POST, CSRF).
    path("language/", language.language, name="language"),
]
