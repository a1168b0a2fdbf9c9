from django import forms

from apps.notifications.events import EVENTS


def preference_field_name(event: str, channel: str) -> str:
    return f"{event}:{channel}"


class PreferencesForm(forms.Form):
    """One checkbox per (event, channel); an unticked box turns that channel off."""

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for row in rows:
            for cell in row["channels"]:
                if not cell["available"]:
                    continue
                name = preference_field_name(row["event"], cell["channel"])
                self.fields[name] = forms.BooleanField(required=False, initial=cell["enabled"], label=cell["label"])

    def choices(self) -> dict[tuple[str, str], bool]:
        return {
            (event.name, channel): bool(self.cleaned_data.get(preference_field_name(event.name, channel)))
            for event in EVENTS.values()
            for channel in event.available_channels
        }
