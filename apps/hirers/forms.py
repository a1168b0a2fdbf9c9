from django import forms
from django.utils.translation import gettext_lazy as _

from apps.common.ghana import Region
from apps.hirers.models import HirerKind


class HirerProfileForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("I hire as"),
        choices=HirerKind.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose individual or business.")},
    )
    business_name = forms.CharField(
        label=_("Business name"), max_length=120, required=False, help_text=_("Needed if you hire as a business.")
    )
    region = forms.ChoiceField(
        label=_("Region"),
        choices=[("", _("Choose a region")), *Region.choices],
        required=False,
        error_messages={"invalid_choice": _("“%(value)s” is not a region of Ghana. Choose one of the 16 regions.")},
    )
    town = forms.CharField(label=_("Town or area"), max_length=80, required=False)
    about = forms.CharField(
        label=_("About you"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What kind of work you usually hire for. Workers see this."),
    )
