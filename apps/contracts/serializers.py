from rest_framework import serializers

from apps.contracts.models import Contract, ContractEvent, DisputeResolution, Milestone
from apps.contracts.services import MAX_MILESTONES


class MilestoneSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "position",
            "description",
            "amount",
            "due_date",
            "status",
            "funded_at",
            "delivered_at",
            "released_at",
        ]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    milestone = serializers.UUIDField(source="milestone.public_id", default=None, read_only=True)

    class Meta:
        model = ContractEvent
        fields = ["kind", "actor", "milestone", "from_status", "to_status", "note", "created_at"]

    def get_actor(self, event) -> str | None:
        return event.actor.get_short_name() if event.actor else None


class ContractSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    hirer = serializers.CharField(source="hirer.get_short_name", read_only=True)
    worker = serializers.CharField(source="worker.get_short_name", read_only=True)
    total = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Contract
        fields = [
            "id",
            "title",
            "status",
            "hirer",
            "worker",
            "total",
            "hirer_accepted_at",
            "worker_accepted_at",
            "created_at",
        ]


class ContractDetailSerializer(ContractSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "milestones", "events"]


class MilestoneInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    amount = serializers.IntegerField(min_value=100, max_value=1_000_000_000, help_text="Pesewas.")
    due_date = serializers.DateField(required=False, allow_null=True)


class MilestonesInputSerializer(serializers.Serializer):
    milestones = MilestoneInputSerializer(many=True, allow_empty=False, max_length=MAX_MILESTONES)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=DisputeResolution.choices)
    worker_amount = serializers.IntegerField(min_value=0, max_value=1_000_000_000, required=False, allow_null=True)
    note = serializers.CharField(max_length=2000)


class DeliverSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), allow_empty=False, max_length=6)
