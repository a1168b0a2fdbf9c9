"""Forms behind the dashboard's controls: maintenance switches and fault injection."""

from django import forms
from django.utils.translation import gettext_lazy as _

FAULT_MODES = [
    ("raise", _("Raise an error on every call")),
    ("hang", _("Hang until the deadline")),
    ("slow", _("Slow down by the given milliseconds")),
    ("fail-rate", _("Fail the given share of calls (0 to 1)")),
]


def _module_choices() -> list[tuple[str, str]]:
    from apps.monitoring.components import registered_modules

    return [(module.name, str(module.verbose_name)) for module in registered_modules() if not module.critical]


def _target_choices() -> list[tuple[str, str]]:
    try:
        from apps.modules.faults import known_targets
    except ImportError:
        return []
    return [(target, f"{target}: {description}") for target, description in sorted(known_targets().items())]


class MaintenanceForm(forms.Form):
    module = forms.ChoiceField(label=_("Module"))
    action = forms.ChoiceField(label=_("Action"), choices=[("off", _("Switch off")), ("on", _("Switch on"))])
    reason = forms.CharField(label=_("Reason shown to users"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].choices = _module_choices()


class FaultForm(forms.Form):
    target = forms.ChoiceField(label=_("Target"))
    mode = forms.ChoiceField(label=_("Fault"), choices=FAULT_MODES)
    amount = forms.FloatField(
        label=_("Amount"),
        required=False,
        min_value=0,
        help_text=_("Milliseconds for slow; a share between 0 and 1 for fail-rate."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = _target_choices()

    def clean(self):
        cleaned = super().clean()
        mode, amount = cleaned.get("mode"), cleaned.get("amount")
        if mode == "slow" and (amount is None or not 0 < amount <= 60_000):
            self.add_error("amount", _("Give the delay in milliseconds, between 1 and 60000."))
        if mode == "fail-rate" and (amount is None or not 0 < amount <= 1):
            self.add_error("amount", _("Give the share of calls to fail, between 0 and 1."))
        return cleaned

    @property
    def spec(self) -> str:
        mode, amount = self.cleaned_data["mode"], self.cleaned_data.get("amount")
        if mode == "slow":
            return f"slow={int(amount)}"
        if mode == "fail-rate":
            return f"fail-rate={amount:g}"
        return mode


class FaultClearForm(forms.Form):
    target = forms.CharField(label=_("Target"), max_length=120, required=False)
