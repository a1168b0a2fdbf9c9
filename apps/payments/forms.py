from django import forms
from django.utils.translation import gettext_lazy as _

from apps.payments.models import Network


class WalletForm(forms.Form):
    network = forms.ChoiceField(label=_("Mobile money network"), choices=Network.choices, widget=forms.RadioSelect)
    phone = forms.CharField(
        label=_("Wallet number"),
        max_length=20,
        help_text=_("The number of the mobile money wallet, such as 024 123 4567."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )


class PayoutMethodForm(WalletForm):
    name = forms.CharField(label=_("Name on the wallet"), max_length=120)


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("Code"),
        max_length=8,
        min_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )
