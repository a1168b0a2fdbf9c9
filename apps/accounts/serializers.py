from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.accounts.models import Role
from apps.common.phone import normalize_ghana_phone

User = get_user_model()


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "phone", "full_name", "role", "date_joined"]
        read_only_fields = fields


class RegistrationSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=[Role.WORKER, Role.HIRER])
    full_name = serializers.CharField(max_length=120)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=20)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)

    def validate_email(self, value: str) -> str:
        value = value.strip().lower()
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError(_("An account with this email address already exists."))
        return value

    def validate_phone(self, value: str) -> str:
        try:
            phone = normalize_ghana_phone(value)
        except Exception as error:  # django ValidationError carries the user-facing message
            raise serializers.ValidationError(list(getattr(error, "messages", [str(error)]))) from None
        if User.objects.filter(phone=phone).exists():
            raise serializers.ValidationError(_("An account with this phone number already exists."))
        return phone

    def validate(self, attrs):
        candidate = User(email=attrs["email"], full_name=attrs["full_name"])
        password_validation.validate_password(attrs["password"], candidate)
        return attrs


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text=_("Email address or Ghana phone number."))
    password = serializers.CharField(max_length=128, trim_whitespace=False)
