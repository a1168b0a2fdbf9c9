"""Forms for the job pages. They parse and explain; apps.jobs.services enforces the rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.ghana import Region, Trade
from apps.common.money import cedis_to_pesewas, pesewas_to_cedis
from apps.jobs import validators
from apps.jobs.models import BudgetType, Job, Urgency
from apps.jobs.selectors import SORT_BUDGET_HIGH, SORT_BUDGET_LOW, SORT_NEWEST, SORT_RELEVANCE

UNKNOWN_TRADE = _("“%(value)s” is not a trade we list. Choose a trade from the list.")
UNKNOWN_REGION = _("“%(value)s” is not a region of Ghana. Choose one of the 16 regions.")


class CedisField(forms.Field):
    """An amount typed in cedis ("150", "1,200.50"), cleaned to integer pesewas."""

    # Longer input cannot be a sensible amount; reject it before parsing.
    max_input_length = 20

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": "20"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return str(pesewas_to_cedis(value))
        return value

    def to_python(self, value):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        if len(text) > self.max_input_length:
            raise ValidationError(_("Enter an amount in cedis, such as 150 or 150.50."), code="invalid")
        pesewas = cedis_to_pesewas(text)
        if pesewas < validators.MIN_AMOUNT_PESEWAS:
            raise ValidationError(_("Enter at least GH₵ 1.00."), code="too_small")
        return pesewas


def _trade_field(required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Trade"),
        choices=[("", _("Choose a trade")), *Trade.choices],
        required=required,
        error_messages={"invalid_choice": UNKNOWN_TRADE, "required": _("Choose the trade this job needs.")},
    )


def _region_field(required: bool, empty_label) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Region"),
        choices=[("", empty_label), *Region.choices],
        required=required,
        error_messages={"invalid_choice": UNKNOWN_REGION, "required": _("Choose the region where the work is.")},
    )


class JobStepForm(forms.Form):
    """A step of the job posting form. With `partial`, empty fields pass so a draft can be saved."""

    step = ""

    def __init__(self, *args, partial: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.partial = partial
        if partial:
            for name in self.optional_in_draft:
                self.fields[name].required = False

    optional_in_draft: tuple[str, ...] = ()

    def job_fields(self) -> dict:
        """Return the cleaned values as job_create/job_update keyword arguments."""
        return dict(self.cleaned_data)


class JobDetailsForm(JobStepForm):
    step = "details"
    optional_in_draft = ("description",)

    title = forms.CharField(
        label=_("Job title"),
        max_length=120,
        help_text=_("A short summary, for example “Fix leaking kitchen tap”."),
        error_messages={"required": _("Enter a title for the job.")},
    )
    trade = _trade_field()
    description = forms.CharField(
        label=_("Describe the work"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What needs doing, materials, access, anything a worker should know."),
        error_messages={"required": _("Describe the work so workers know what to quote for.")},
    )


class JobBudgetForm(JobStepForm):
    step = "budget"
    optional_in_draft = ("budget_type",)

    budget_type = forms.ChoiceField(
        label=_("Budget"),
        choices=BudgetType.choices,
        widget=forms.RadioSelect,
        initial=BudgetType.FIXED,
        error_messages={
            "required": _("Choose a fixed amount or a budget range."),
            "invalid_choice": _("Choose a fixed amount or a budget range."),
        },
    )
    amount = CedisField(label=_("Fixed amount (GH₵)"), required=False, help_text=_("For example 450 or 450.50."))
    budget_min = CedisField(label=_("Lowest amount (GH₵)"), required=False)
    budget_max = CedisField(label=_("Highest amount (GH₵)"), required=False)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("budget_type") == BudgetType.RANGE:
            low, high = cleaned.get("budget_min"), cleaned.get("budget_max")
            if not self.partial or low is not None or high is not None:
                if low is None:
                    self.add_error("budget_min", _("Enter the lowest amount you would pay."))
                if high is None:
                    self.add_error("budget_max", _("Enter the highest amount you would pay."))
                if low is not None and high is not None and low > high:
                    self.add_error("budget_max", _("The highest amount is below the lowest. Swap them or correct one."))
        elif cleaned.get("amount") is None and not self.partial:
            self.add_error("amount", _("Enter the amount you will pay, in cedis."))
        return cleaned

    def job_fields(self) -> dict:
        data = self.cleaned_data
        budget_type = data.get("budget_type") or BudgetType.FIXED
        if budget_type == BudgetType.RANGE:
            return {
                "budget_type": budget_type,
                "budget_min": data.get("budget_min"),
                "budget_max": data.get("budget_max"),
            }
        return {"budget_type": budget_type, "budget_min": data.get("amount"), "budget_max": data.get("amount")}

    @staticmethod
    def initial_for(job: Job) -> dict:
        if job.budget_type == BudgetType.RANGE:
            return {"budget_type": job.budget_type, "budget_min": job.budget_min, "budget_max": job.budget_max}
        return {"budget_type": job.budget_type, "amount": job.budget_min}


class JobLocationForm(JobStepForm):
    step = "location"
    optional_in_draft = ("region", "town")

    region = _region_field(required=True, empty_label=_("Choose a region"))
    town = forms.CharField(
        label=_("Town or area"),
        max_length=80,
        widget=forms.TextInput(attrs={"list": "towns", "autocomplete": "off"}),
        error_messages={"required": _("Enter the town or area, for example Madina.")},
    )
    address = forms.CharField(
        label=_("Street address or landmark"), max_length=200, required=False, help_text=_("Optional.")
    )
    gps_code = forms.CharField(
        label=_("GhanaPostGPS code"),
        max_length=16,
        required=False,
        help_text=_("Optional, for example GA-183-8164."),
    )

    def clean_gps_code(self) -> str:
        return validators.normalize_gps_code(self.cleaned_data.get("gps_code", ""))


class JobScheduleForm(JobStepForm):
    step = "schedule"
    optional_in_draft = ("urgency",)

    start_date = forms.DateField(
        label=_("Start date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional. Leave empty if the date is flexible."),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2026-12-31.")},
    )
    urgency = forms.ChoiceField(
        label=_("How soon?"),
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        initial=Urgency.FLEXIBLE,
        error_messages={"invalid_choice": _("Choose how urgent the job is from the list.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_start_date(self):
        value = self.cleaned_data.get("start_date")
        validators.validate_start_date(value)
        return value


STEP_FORMS: dict[str, type[JobStepForm]] = {
    form.step: form for form in (JobDetailsForm, JobBudgetForm, JobLocationForm, JobScheduleForm)
}
STEPS = [*STEP_FORMS, "review"]
STEP_TITLES = {
    "details": _("Details"),
    "budget": _("Budget"),
    "location": _("Location"),
    "schedule": _("Schedule"),
    "review": _("Review and publish"),
}


class ApplicationForm(forms.Form):
    cover_letter = forms.CharField(
        label=_("Why are you right for this job?"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Your experience with similar work, when you can start, what you need from the hirer."),
        error_messages={"required": _("Write a short message to the hirer.")},
    )
    proposed_amount = CedisField(
        label=_("Your price (GH₵)"),
        help_text=_("The total you will charge, for example 450."),
        error_messages={"required": _("Enter your price in cedis.")},
    )


def _counted(choices, counts: dict | None) -> list[tuple[str, str]]:
    if counts is None:
        return list(choices)
    return [(value, f"{label} ({counts.get(value, 0)})") for value, label in choices]


class JobSearchForm(forms.Form):
    q = forms.CharField(label=_("Keywords"), max_length=100, required=False)
    trade = _trade_field(required=False)
    region = _region_field(required=False, empty_label=_("All regions"))
    budget_min = CedisField(label=_("Budget from (GH₵)"), required=False)
    budget_max = CedisField(label=_("Budget up to (GH₵)"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            (SORT_NEWEST, _("Newest")),
            (SORT_RELEVANCE, _("Best match")),
            (SORT_BUDGET_HIGH, _("Budget: high to low")),
            (SORT_BUDGET_LOW, _("Budget: low to high")),
        ],
        error_messages={"invalid_choice": _("Choose a sort order from the list.")},
    )

    def __init__(self, *args, counts: dict | None = None, **kwargs):
        """Build the form; `counts` ({"trades": {...}, "regions": {...}}) adds open-job counts to labels."""
        super().__init__(*args, **kwargs)
        counts = counts or {}
        self.fields["trade"].choices = [("", _("All trades")), *_counted(Trade.choices, counts.get("trades"))]
        self.fields["region"].choices = [("", _("All regions")), *_counted(Region.choices, counts.get("regions"))]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("budget_min"), cleaned.get("budget_max")
        if low is not None and high is not None and low > high:
            self.add_error("budget_max", _("“Budget up to” is below “Budget from”. Swap them or correct one."))
        return cleaned
