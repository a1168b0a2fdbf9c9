from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.common.money import cedis_to_pesewas
from apps.contracts.images import MAX_PHOTOS_PER_DELIVERY
from apps.contracts.models import DisputeResolution


class CedisField(forms.CharField):
    """An amount typed in cedis ("150" or "150.50"), cleaned to integer pesewas."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        return cedis_to_pesewas(value)


class MilestoneForm(forms.Form):
    description = forms.CharField(label=_("What will be done"), max_length=300)
    amount = CedisField(label=_("Amount (GH₵)"))
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None or amount < 100:
            raise ValidationError(_("Each milestone is at least GH₵ 1.00."))
        return amount


MilestoneFormSet = forms.formset_factory(
    MilestoneForm, extra=1, can_delete=True, max_num=20, validate_max=True, min_num=1, validate_min=True
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(item, initial) for item in files]


class DeliverForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the hirer"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(
        label=_("Photos of the finished work"),
        help_text=_("Up to %(count)d JPEG, PNG or WebP photos, 5 MB each.") % {"count": MAX_PHOTOS_PER_DELIVERY},
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("What needs to change"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("What went wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Decision"), choices=DisputeResolution.choices, widget=forms.RadioSelect)
    worker_amount = CedisField(label=_("Worker's share for a split (GH₵)"), required=False)
    note = forms.CharField(
        label=_("Reason for the decision"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("resolution") == DisputeResolution.SPLIT and cleaned.get("worker_amount") is None:
            self.add_error("worker_amount", _("Enter the worker's share for a split."))
        return cleaned
