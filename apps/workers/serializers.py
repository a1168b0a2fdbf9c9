"""API shapes. Serializers parse types; the rules live in services.py."""

from rest_framework import serializers

from apps.common.ghana import Region, Trade
from apps.workers.models import Availability, PortfolioItem, WorkerProfile
from apps.workers.selectors import SORTS, DirectoryFilters

# Generous bounds on list and string sizes, so a hostile body is rejected before it reaches the service.
MAX_LIST_ITEMS = 50


class DirectoryQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    trade = serializers.ChoiceField(choices=Trade.choices, required=False, allow_blank=True, default="")
    region = serializers.ChoiceField(choices=Region.choices, required=False, allow_blank=True, default="")
    min_rating = serializers.DecimalField(max_digits=3, decimal_places=1, min_value=0, max_value=5, required=False)
    max_day_rate_pesewas = serializers.IntegerField(min_value=0, max_value=1_000_000_000, required=False)
    availability = serializers.ChoiceField(choices=Availability.choices, required=False, allow_blank=True, default="")
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="best")

    def to_filters(self) -> DirectoryFilters:
        data = self.validated_data
        return DirectoryFilters(
            keyword=data["q"],
            trade=data["trade"],
            region=data["region"],
            min_rating=data.get("min_rating"),
            max_day_rate=data.get("max_day_rate_pesewas"),
            availability=data["availability"],
            sort=data["sort"],
        )


class PortfolioItemSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = PortfolioItem
        fields = ["id", "image_url", "width", "height", "caption", "created_at"]

    def get_image_url(self, item: PortfolioItem) -> str:
        return item.image.url


class WorkerCardSerializer(serializers.ModelSerializer):
    """Public card of a listed worker. It excludes the phone, email, address and Ghana Card number."""

    user_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="user.full_name", read_only=True)
    trades = serializers.SerializerMethodField()
    skills = serializers.ListField(source="skill_list", child=serializers.CharField(), read_only=True)
    ghana_card_verified = serializers.SerializerMethodField()

    class Meta:
        model = WorkerProfile
        fields = [
            "user_id",
            "name",
            "headline",
            "primary_trade",
            "trades",
            "skills",
            "years_experience",
            "rate_pesewas",
            "rate_unit",
            "region",
            "town",
            "service_radius_km",
            "availability",
            "certification_level",
            "ghana_card_verified",
            "rating_average",
            "rating_count",
        ]

    def get_trades(self, profile: WorkerProfile) -> list[str]:
        return [trade.trade for trade in profile.trades.all()]

    def get_ghana_card_verified(self, profile: WorkerProfile) -> bool:
        return profile.ghana_card_state == "verified"


class DirectoryCardSerializer(serializers.Serializer):
    """A cached directory card in the same shape as WorkerCardSerializer."""

    user_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    headline = serializers.CharField(read_only=True)
    primary_trade = serializers.CharField(read_only=True)
    trades = serializers.ListField(child=serializers.CharField(), read_only=True)
    skills = serializers.ListField(child=serializers.CharField(), read_only=True)
    years_experience = serializers.IntegerField(read_only=True, allow_null=True)
    rate_pesewas = serializers.IntegerField(read_only=True, allow_null=True)
    rate_unit = serializers.CharField(read_only=True)
    region = serializers.CharField(read_only=True)
    town = serializers.CharField(read_only=True)
    service_radius_km = serializers.IntegerField(read_only=True)
    availability = serializers.CharField(read_only=True)
    certification_level = serializers.CharField(read_only=True)
    ghana_card_verified = serializers.BooleanField(read_only=True)
    rating_average = serializers.DecimalField(max_digits=3, decimal_places=2, read_only=True)
    rating_count = serializers.IntegerField(read_only=True)


class WorkerDetailSerializer(WorkerCardSerializer):
    portfolio = PortfolioItemSerializer(source="portfolio_items", many=True, read_only=True)

    class Meta(WorkerCardSerializer.Meta):
        fields = [*WorkerCardSerializer.Meta.fields, "bio", "portfolio"]


class OwnProfileSerializer(WorkerDetailSerializer):
    """The worker's own view: adds the verification state and the completeness checklist."""

    ghana_card_number = serializers.SerializerMethodField()
    completeness = serializers.SerializerMethodField()

    class Meta(WorkerDetailSerializer.Meta):
        fields = [*WorkerDetailSerializer.Meta.fields, "ghana_card_state", "ghana_card_number", "completeness"]

    def get_ghana_card_number(self, profile: WorkerProfile) -> str:
        """Return the number with only its last digits visible, so a glance at the phone does not leak it."""
        number = profile.ghana_card_number
        return f"GHA-*****{number[-6:]}" if number else ""

    def get_completeness(self, profile: WorkerProfile) -> dict:
        from apps.workers.selectors import profile_completeness

        completeness = profile_completeness(profile, portfolio_count=len(profile.portfolio_items.all()))
        return {
            "percent": completeness.percent,
            "items": [{"key": item.key, "label": item.label, "done": item.done} for item in completeness.items],
        }


class ProfileUpdateSerializer(serializers.Serializer):
    headline = serializers.CharField(max_length=120, allow_blank=True, required=False)
    bio = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    trades = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=MAX_LIST_ITEMS, required=False
    )
    primary_trade = serializers.CharField(max_length=40, allow_blank=True, required=False)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=MAX_LIST_ITEMS, required=False
    )
    years_experience = serializers.IntegerField(min_value=0, max_value=100, allow_null=True, required=False)
    rate_pesewas = serializers.IntegerField(min_value=0, max_value=1_000_000_000, allow_null=True, required=False)
    rate_unit = serializers.CharField(max_length=10, required=False)
    region = serializers.CharField(max_length=40, allow_blank=True, required=False)
    town = serializers.CharField(max_length=80, allow_blank=True, required=False)
    service_radius_km = serializers.IntegerField(min_value=0, max_value=10_000, required=False)
    availability = serializers.CharField(max_length=20, required=False)
    certification_level = serializers.CharField(max_length=10, allow_blank=True, required=False)


class GhanaCardSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=20)


class PortfolioUploadSerializer(serializers.Serializer):
    image = serializers.FileField(allow_empty_file=True)
    caption = serializers.CharField(max_length=140, allow_blank=True, required=False, default="")
