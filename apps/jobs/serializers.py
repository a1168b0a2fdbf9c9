"""API shapes for jobs and applications. They parse and present; the services hold the rules.

Amounts go in as cedis (fields ending in `_ghs`, a decimal string or number such as
"450.50") and come out both as integer pesewas and as a cedi string.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.api.serializers import RejectUnknownFieldsMixin
from apps.common.ghana import Region, Trade
from apps.common.money import cedis_to_pesewas, pesewas_to_cedis
from apps.jobs import selectors
from apps.jobs.models import Application, ApplicationStatus, BudgetType, Job, JobStatus, Urgency


@extend_schema_field(OpenApiTypes.DECIMAL)
class CedisField(serializers.Field):
    """A cedi amount in, integer pesewas to the service."""

    default_error_messages = {"invalid": "Enter an amount in cedis, such as 150 or 150.50."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            self.fail("invalid")
        try:
            return cedis_to_pesewas(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def to_representation(self, value):
        return None if value is None else str(pesewas_to_cedis(value))


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class JobSerializer(serializers.ModelSerializer):
    """A job as anyone may see it; address and GhanaPostGPS code only with context["show_private"]."""

    hirer = PersonSerializer(read_only=True)
    trade_label = serializers.CharField(source="get_trade_display", read_only=True)
    region_label = serializers.CharField(source="get_region_display", read_only=True)
    budget_min_ghs = CedisField(source="budget_min", read_only=True)
    budget_max_ghs = CedisField(source="budget_max", read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "title",
            "trade",
            "trade_label",
            "description",
            "budget_type",
            "budget_min",
            "budget_max",
            "budget_min_ghs",
            "budget_max_ghs",
            "region",
            "region_label",
            "town",
            "address",
            "gps_code",
            "start_date",
            "urgency",
            "status",
            "hirer",
            "created_at",
            "published_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_private"):
            data["address"] = ""
            data["gps_code"] = ""
        return data


class HirerJobSerializer(JobSerializer):
    application_count = serializers.IntegerField(read_only=True)
    open_applications = serializers.IntegerField(read_only=True)

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "application_count", "open_applications"]
        read_only_fields = fields


class JobWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Fields a hirer sends to create or update a job. A fixed budget uses budget_min_ghs only."""

    title = serializers.CharField(max_length=120)
    trade = serializers.ChoiceField(choices=Trade.choices)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    budget_type = serializers.ChoiceField(choices=BudgetType.choices, required=False)
    budget_min_ghs = CedisField(required=False, allow_null=True)
    budget_max_ghs = CedisField(required=False, allow_null=True)
    region = serializers.ChoiceField(choices=Region.choices, required=False, allow_blank=True)
    town = serializers.CharField(max_length=80, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    gps_code = serializers.CharField(max_length=16, required=False, allow_blank=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)

    def service_fields(self) -> dict:
        """Return validated data as job_create/job_update keyword arguments (amounts in pesewas)."""
        data = dict(self.validated_data)
        if "budget_min_ghs" in data:
            data["budget_min"] = data.pop("budget_min_ghs")
        if "budget_max_ghs" in data:
            data["budget_max"] = data.pop("budget_max_ghs")
        budget_type = data.get("budget_type")
        if budget_type == BudgetType.FIXED and "budget_min" in data:
            data["budget_max"] = data["budget_min"]
        return data


class JobCreateSerializer(JobWriteSerializer):
    publish = serializers.BooleanField(default=False, help_text="Publish at once instead of saving a draft.")


class JobCancelSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class JobSearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    trade = serializers.ChoiceField(choices=Trade.choices, required=False, allow_blank=True, default="")
    region = serializers.ChoiceField(choices=Region.choices, required=False, allow_blank=True, default="")
    budget_min_ghs = CedisField(required=False, allow_null=True, default=None)
    budget_max_ghs = CedisField(required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(choices=selectors.SORTS, required=False, default=selectors.SORT_NEWEST)

    def validate(self, attrs):
        low, high = attrs.get("budget_min_ghs"), attrs.get("budget_max_ghs")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"budget_max_ghs": ["Must not be below budget_min_ghs."]})
        return attrs

    def to_search(self) -> selectors.JobSearch:
        data = self.validated_data
        return selectors.JobSearch(
            q=data["q"],
            trade=data["trade"],
            region=data["region"],
            budget_min=data["budget_min_ghs"],
            budget_max=data["budget_max_ghs"],
            sort=data["sort"],
        )


class HirerJobsParamsSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=JobStatus.choices, required=False, allow_blank=True, default="")


class MyApplicationsParamsSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ApplicationStatus.choices, required=False, allow_blank=True, default="")


class JobSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "title", "status", "trade"]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    worker = PersonSerializer(read_only=True)
    job = JobSummarySerializer(read_only=True)
    proposed_amount_ghs = CedisField(source="proposed_amount", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "job",
            "worker",
            "cover_letter",
            "proposed_amount",
            "proposed_amount_ghs",
            "status",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class ApplicationCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    cover_letter = serializers.CharField(max_length=3000)
    proposed_amount_ghs = CedisField()
