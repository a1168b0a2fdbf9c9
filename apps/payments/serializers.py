from rest_framework import serializers

from apps.payments.models import Collection, LedgerEntry, LedgerTransaction, Network, Payout, PayoutMethod, Refund
from apps.payments.movements import format_signed_ghs, movement_platform_fee


class WalletInputSerializer(serializers.Serializer):
    network = serializers.ChoiceField(choices=Network.choices)
    phone = serializers.CharField(max_length=20)


class PayoutMethodInputSerializer(WalletInputSerializer):
    name = serializers.CharField(max_length=120)


class OtpInputSerializer(serializers.Serializer):
    otp = serializers.RegexField(r"^\d{4,8}$", max_length=8)


class CollectionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    milestone = serializers.UUIDField(source="milestone.public_id", read_only=True)
    wallet = serializers.SerializerMethodField()

    class Meta:
        model = Collection
        fields = [
            "id",
            "reference",
            "milestone",
            "network",
            "wallet",
            "amount",
            "currency",
            "status",
            "action_text",
            "failure_reason",
            "receipt_number",
            "created_at",
            "succeeded_at",
        ]

    def get_wallet(self, collection) -> str:
        return "···" + collection.msisdn[-3:]


class PayoutSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    milestone = serializers.UUIDField(source="milestone.public_id", read_only=True)

    class Meta:
        model = Payout
        fields = ["id", "reference", "milestone", "amount", "status", "failure_reason", "created_at", "completed_at"]


class RefundSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    milestone = serializers.UUIDField(source="milestone.public_id", read_only=True)

    class Meta:
        model = Refund
        fields = ["id", "reference", "milestone", "amount", "status", "created_at", "completed_at"]


class PayoutMethodSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    wallet = serializers.SerializerMethodField()

    class Meta:
        model = PayoutMethod
        fields = ["id", "network", "wallet", "account_name", "verified_at"]

    def get_wallet(self, method) -> str:
        return "···" + method.msisdn[-3:]


class EntrySerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.kind")

    class Meta:
        model = LedgerEntry
        fields = ["account", "amount"]


class LedgerTransactionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    milestone = serializers.UUIDField(source="milestone.public_id", default=None, read_only=True)

    class Meta:
        model = LedgerTransaction
        fields = ["id", "kind", "description", "milestone", "created_at"]


class MoneyMovementSerializer(LedgerTransactionSerializer):
    """A ledger transaction seen by one user: the signed change to their own money."""

    amount = serializers.IntegerField(source="user_amount", read_only=True, help_text="Signed pesewas.")
    amount_display = serializers.SerializerMethodField()
    platform_fee = serializers.SerializerMethodField(help_text="Pesewas kept as commission on a release to you.")

    class Meta(LedgerTransactionSerializer.Meta):
        fields = [*LedgerTransactionSerializer.Meta.fields, "amount", "amount_display", "platform_fee"]

    def get_amount_display(self, posted) -> str:
        return format_signed_ghs(posted.user_amount)

    def get_platform_fee(self, posted) -> int | None:
        return movement_platform_fee(posted)


class LedgerTransactionDetailSerializer(LedgerTransactionSerializer):
    entries = EntrySerializer(many=True, read_only=True)

    class Meta(LedgerTransactionSerializer.Meta):
        fields = [*LedgerTransactionSerializer.Meta.fields, "entries"]
