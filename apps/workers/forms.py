"""Forms parse what a person typed; the rules they must satisfy live in services.py."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.common.ghana import CertificationLevel, Region, Trade
from apps.common.money import cedis_to_pesewas, pesewas_to_cedis
from apps.workers.models import Availability, RateUnit, WorkerProfile
from apps.workers.selectors import SORT_LABELS, DirectoryFilters

ANY = [("", _("Any"))]
RATING_CHOICES = [("", _("Any rating")), ("3", _("3 stars and up")), ("4", _("4 stars and up")), ("4.5", "4.5+")]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), max_length=100, required=False)
    trade = forms.ChoiceField(label=_("Trade"), choices=[("", _("Any trade")), *Trade.choices], required=False)
    region = forms.ChoiceField(label=_("Region"), choices=[("", _("Any region")), *Region.choices], required=False)
    min_rating = forms.ChoiceField(label=_("Minimum rating"), choices=RATING_CHOICES, required=False)
    max_rate = forms.CharField(
        label=_("Maximum day rate (GH₵)"),
        max_length=16,
        required=False,
        help_text=_("Hourly rates count as an eight-hour day."),
    )
    availability = forms.ChoiceField(label=_("Availability"), choices=[*ANY, *Availability.choices], required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=list(SORT_LABELS.items()), required=False)

    def clean_max_rate(self) -> int | None:
        value = self.cleaned_data["max_rate"].strip()
        return cedis_to_pesewas(value) if value else None

    def to_filters(self) -> DirectoryFilters:
        """Return the filters from the fields that are valid; an invalid field filters nothing."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        rating = data.get("min_rating")
        return DirectoryFilters(
            keyword=data.get("q", ""),
            trade=data.get("trade", ""),
            region=data.get("region", ""),
            min_rating=Decimal(rating) if rating else None,
            max_day_rate=data.get("max_rate"),
            availability=data.get("availability", ""),
            sort=data.get("sort") or "best",
        )


class ProfileForm(forms.Form):
    headline = forms.CharField(
        label=_("Headline"),
        max_length=120,
        required=False,
        help_text=_("One line a hirer reads first, for example: Roofing and ceiling carpenter, 12 years in Kumasi."),
    )
    bio = forms.CharField(label=_("About your work"), max_length=2000, required=False, widget=forms.Textarea)
    trades = forms.MultipleChoiceField(
        label=_("Trades"), choices=Trade.choices, widget=forms.CheckboxSelectMultiple, help_text=_("Up to five.")
    )
    primary_trade = forms.ChoiceField(
        label=_("Main trade"), choices=[("", _("The first one I chose")), *Trade.choices], required=False
    )
    skills = forms.CharField(
        label=_("Skills"),
        max_length=700,
        required=False,
        help_text=_("Separate skills with commas, for example: POP ceilings, roofing, wardrobes."),
    )
    years_experience = forms.IntegerField(label=_("Years of experience"), min_value=0, max_value=60, required=False)
    rate = forms.CharField(label=_("Your rate (GH₵)"), max_length=16, required=False)
    rate_unit = forms.ChoiceField(label=_("Rate is"), choices=RateUnit.choices)
    region = forms.ChoiceField(label=_("Region"), choices=[("", _("Choose a region")), *Region.choices], required=False)
    town = forms.CharField(label=_("Town"), max_length=80, required=False)
    service_radius_km = forms.IntegerField(
        label=_("How far you travel for work (km)"), min_value=0, max_value=300, initial=10
    )
    availability = forms.ChoiceField(label=_("Availability"), choices=Availability.choices)
    certification_level = forms.ChoiceField(
        label=_("Highest CTVET/NVTI certificate"), choices=CertificationLevel.choices, required=False
    )

    def clean_rate(self) -> int | None:
        value = self.cleaned_data["rate"].strip()
        return cedis_to_pesewas(value) if value else None

    def changes(self) -> dict:
        """Return the cleaned data under the names worker_profile_update takes."""
        data = dict(self.cleaned_data)
        data["rate_pesewas"] = data.pop("rate")
        return data

    @classmethod
    def initial_for(cls, profile: WorkerProfile) -> dict:
        return {
            "headline": profile.headline,
            "bio": profile.bio,
            "trades": [trade.trade for trade in profile.trades.all()],
            "primary_trade": profile.primary_trade,
            "skills": profile.skills,
            "years_experience": profile.years_experience,
            "rate": "" if profile.rate_pesewas is None else pesewas_to_cedis(profile.rate_pesewas),
            "rate_unit": profile.rate_unit,
            "region": profile.region,
            "town": profile.town,
            "service_radius_km": profile.service_radius_km,
            "availability": profile.availability,
            "certification_level": profile.certification_level,
        }


class GhanaCardForm(forms.Form):
    number = forms.CharField(
        label=_("Ghana Card number"),
        max_length=20,
        help_text=_("As printed on the card, for example GHA-123456789-0. Only Kelmah staff see it."),
    )


class PortfolioForm(forms.Form):
    image = forms.FileField(
        label=_("Photo of your work"),
        help_text=_("JPEG, PNG or WebP, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=140, required=False)
