from django import forms
from django.utils.translation import gettext_lazy as _


class MessageForm(forms.Form):
    """The send form. Length and content rules live in message_send; this only collects input."""

    body = forms.CharField(label=_("Message"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(
        label=_("Attach a photo or PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )
    client_id = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)


class StartForm(forms.Form):
    """Start (or reopen) a conversation: about a job with an applicant, or directly with a worker."""

    job = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    worker = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def clean(self):
        data = super().clean()
        if not data.get("job") and not data.get("worker"):
            raise forms.ValidationError(_("Choose a job or a worker to message."))
        return data
