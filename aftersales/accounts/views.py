"""Sign in and sign out, for staff and portal customers alike."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import resolve_url
from django.urls import reverse


def landing_url(user) -> str:
    """Where a signed-in person starts: customers in the portal, staff on the service home page."""
    if getattr(user, "is_authenticated", False) and not user.is_staff_member:
        return reverse("customers:portal_home")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing_url(self.request.user)

    def get_redirect_url(self):
        """Honour `?next=` only where the person may go: customers stay inside the portal."""
        url = super().get_redirect_url()
        if not url:
            return ""
        user = self.request.user
        if user.is_authenticated and not user.is_staff_member:
            portal = reverse("customers:portal_home")
            if not url.startswith(portal):
                return ""
        return url


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET since 5.0): a link or an image tag cannot sign anybody out."""

    http_method_names = ["post", "options"]
