from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Role
from apps.common.phone import normalize_ghana_phone

User = get_user_model()


class RegistrationForm(forms.Form):
    role = forms.ChoiceField(
        label=_("I want to"),
        choices=[(Role.WORKER, _("Find work")), (Role.HIRER, _("Hire workers"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you want to find work or hire workers.")},
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    email = forms.EmailField(label=_("Email address"), max_length=254)
    phone = forms.CharField(
        label=_("Phone number"), max_length=20, help_text=_("A Ghana number, for example 024 123 4567.")
    )
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput, max_length=128)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput, max_length=128)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this email address already exists. Log in instead."))
        return email

    def clean_phone(self) -> str:
        phone = normalize_ghana_phone(self.cleaned_data["phone"])
        if User.objects.filter(phone=phone).exists():
            raise ValidationError(_("An account with this phone number already exists. Log in instead."))
        return phone

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        elif first:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Email or phone number"), max_length=254, widget=forms.TextInput(attrs={"autofocus": True})
    )
    error_messages = {
        "invalid_login": _("The email or phone number and password do not match an account. Check both and try again."),
        "inactive": _("This account is disabled. Contact support."),
    }
