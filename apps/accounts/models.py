from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.phone import normalize_ghana_phone


class Role(models.TextChoices):
    WORKER = "worker", _("Worker")
    HIRER = "hirer", _("Hirer")
    STAFF = "staff", _("Staff")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, phone: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        if not phone:
            raise ValueError("A phone number is required.")
        user = self.model(email=self.normalize_email(email).lower(), phone=normalize_ghana_phone(phone), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, phone: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, phone, password, **extra)

    def create_superuser(self, email: str, phone: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.STAFF)
        return self._create_user(email, phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A Kelmah account. Email and phone (E.164) are both unique and both work as a login."""

    email = models.EmailField(_("email address"), unique=True)
    phone = models.CharField(_("phone number"), max_length=16, unique=True, help_text=_("Stored as +233XXXXXXXXX."))
    full_name = models.CharField(_("full name"), max_length=120)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.WORKER)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["phone", "full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_worker(self) -> bool:
        return self.role == Role.WORKER

    @property
    def is_hirer(self) -> bool:
        return self.role == Role.HIRER
