from rest_framework import serializers

from apps.common.ghana import Region
from apps.hirers.models import HirerKind, HirerProfile, SavedWorker


class HirerProfileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.full_name", read_only=True)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = HirerProfile
        fields = ["name", "display_name", "kind", "business_name", "region", "town", "about", "updated_at"]
        read_only_fields = fields


class HirerProfileUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HirerKind.choices, required=False)
    business_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    region = serializers.ChoiceField(choices=Region.choices, required=False, allow_blank=True)
    town = serializers.CharField(max_length=80, required=False, allow_blank=True)
    about = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class SavedWorkerSerializer(serializers.ModelSerializer):
    worker_id = serializers.IntegerField(read_only=True)
    worker_name = serializers.CharField(source="worker.full_name", read_only=True)

    class Meta:
        model = SavedWorker
        fields = ["worker_id", "worker_name", "created_at"]
        read_only_fields = fields


class SaveWorkerSerializer(serializers.Serializer):
    worker_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
