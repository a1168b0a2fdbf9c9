"""Serializer building blocks shared by every app's API."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import serializers


class RejectUnknownFieldsMixin:
    """Mixin for write serializers: a body field the serializer does not define is a 400 naming it.

    DRF drops unknown keys silently, so a misspelt field (budget_min for budget_min_ghs)
    changed nothing and still returned 200. Put the mixin before the serializer base class.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            accepted = [name for name, field in self.fields.items() if not field.read_only]
            unknown = sorted(str(key) for key in data if key not in accepted)
            if unknown:
                message = _("Unknown field. Accepted fields: %(accepted)s.") % {"accepted": ", ".join(accepted)}
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)
