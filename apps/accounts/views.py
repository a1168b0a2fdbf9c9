from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.forms import LoginForm, RegistrationForm
from apps.accounts.services import user_register
from apps.common.api.errors import error_body
from apps.common.errors import DomainError


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("dashboard:home")

    form = RegistrationForm(request.POST or None, initial={"role": request.GET.get("role", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_register(
                email=data["email"],
                phone=data["phone"],
                full_name=data["full_name"],
                role=data["role"],
                password=data["password1"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            login(request, user, backend="apps.accounts.backends.EmailOrPhoneBackend")
            messages.success(request, _("Welcome to Kelmah, %(name)s.") % {"name": user.get_short_name()})
            return redirect("dashboard:home")
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Log out (POST only) and tell the browser to drop every per-user cache it holds."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


def locked_out(request, original_response=None, credentials=None):
    """Return the lockout response: the API's JSON error on /api/ paths, the HTML page elsewhere.

    django-axes calls this (AXES_LOCKOUT_CALLABLE) whenever a locked account tries to log in.
    """
    cool_off = get_cool_off(request)
    retry_after = str(int(cool_off.total_seconds())) if cool_off else None
    if request.path.startswith("/api/"):
        message = _(
            "Too many failed logins, so this account is locked for now. Try again later or reset your password."
        )
        response = JsonResponse(error_body("locked_out", message), status=429)
    else:
        response = render(request, "accounts/locked_out.html", status=429)
    if retry_after:
        response["Retry-After"] = retry_after
    return response
