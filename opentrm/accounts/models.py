"""Users, their memberships of organisations, and personal API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from opentrm.accounts.roles import Role
from opentrm.core.models import TimeStampedModel


class User(AbstractUser):
    """A person who logs in. What they may do comes from their memberships, not from here."""

    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def set_password(self, raw_password: str | None) -> None:
        # Remember the outgoing hash: the password history (accounts.passwords) records it
        # once the new password is saved.
        if self.pk is not None and self.password and self.has_usable_password():
            self._previous_password_hash = self.password
        super().set_password(raw_password)


class Membership(TimeStampedModel):
    """A user's role in one organisation. A user acts for one membership at a time."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="memberships"
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["organisation__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                "user", "organisation", name="accounts_membership_one_role_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


class ApiToken(TimeStampedModel):
    """A personal token for machine clients. Only a SHA-256 of the secret is stored."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("acts as"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginThrottle(models.Model):
    """Failed log-ins for one user name from one client address (the progressive delay).

    Keyed on the pair, so failures from one address never slow the same user elsewhere. The
    user name is stored as typed (case-folded); the row is deleted on a successful log-in and
    forgotten after ``OPENTRM_LOGIN_FORGET_HOURS`` without a failure.
    """

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=45)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(db_index=True)  # old rows are swept by it

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "username", "address", name="accounts_loginthrottle_one_row_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.failures} failures"


class PasswordHistory(models.Model):
    """A user's earlier password hashes, so that a new password cannot repeat a recent one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)  # a hash, as in User.password
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d}"


class RoleGrantStatus(models.TextChoices):
    PENDING = "pending", _("awaiting a second administrator")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class RoleGrant(TimeStampedModel):
    """A request to give a membership a role above a caseworker's (four-eyes).

    Until a second administrator approves, the membership keeps what it had: a new membership
    stays inactive, an existing one keeps its old role.
    """

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=RoleGrantStatus.choices, default=RoleGrantStatus.PENDING
    )
    requested_by = models.ForeignKey(
        User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(
                "membership",
                condition=models.Q(status="pending"),
                name="accounts_rolegrant_one_pending_per_membership",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | ~models.Q(decided_by=models.F("requested_by")),
                name="accounts_rolegrant_approved_by_a_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} → {self.role} ({self.status})"


class AlertKind(models.TextChoices):
    MANY_CASES = "many_cases", _("Many case files opened in a short time")
    OFF_HOURS = "off_hours", _("Case files opened outside working hours")
    MASS_EXPORT = "mass_export", _("Many exports or prints in a short time")


class AccessAlert(models.Model):
    """An unusual pattern of access found in the audit trail by ``detect_unusual_access``, for
    the data-protection officer of the user's country to look into (issue 17 §3). ``key`` makes
    a second run over the same events find the same alert instead of a new one."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="access_alerts"
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("to"))
    count = models.PositiveIntegerField(_("count"))
    first_sequence = models.PositiveBigIntegerField(_("first audit event"))
    last_sequence = models.PositiveBigIntegerField(_("last audit event"))
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    closed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-window_start", "-pk"]
        verbose_name = _("access alert")
        verbose_name_plural = _("access alerts")
        indexes = [models.Index(fields=["closed_at", "window_start"], name="access_alert_open_idx")]

    def __str__(self) -> str:
        return f"{self.kind} alert {self.pk} for user {self.user_id}"


class SecurityKey(Device):
    """A WebAuthn security key (or a platform authenticator) as a second factor. A django-otp
    device, so that passing it marks the session verified like an app's code does; the key
    is checked by ``accounts/security_keys.py`` (py_webauthn), not by ``verify_token``."""

    credential_id = models.CharField(max_length=1400, unique=True)  # base64url
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta(Device.Meta):
        verbose_name = _("security key")
        verbose_name_plural = _("security keys")

    def verify_token(self, token: object) -> bool:
        return False  # a key answers a challenge, never a typed code
