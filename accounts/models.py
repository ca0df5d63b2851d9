import rules
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat")
    FOCAL_POINT = "focal_point", _("Focal point")
    BODY_REPRESENTATIVE = "body_representative", _("Body representative")
    OBSERVER = "observer", _("Observer")


class User(AbstractUser):
    """An official using the tracker, with the one role that decides what they may do."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.OBSERVER)
    member_state = models.ForeignKey(
        "roadmap.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("The member state a focal point reports for."),
    )
    body = models.ForeignKey(
        "roadmap.Body",
        verbose_name=_("body"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("The body a representative reports for."),
    )
    receives_submission_digest = models.BooleanField(
        _("daily digest of new submissions"),
        default=False,
        help_text=_("For the secretariat: one e-mail a day listing new submissions."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="focal_point") | models.Q(member_state__isnull=False),
                name="focal_point_has_member_state",
                violation_error_message=_("A focal point must be tied to a member state."),
            ),
            models.CheckConstraint(
                condition=~models.Q(role="body_representative") | models.Q(body__isnull=False),
                name="body_representative_has_body",
                violation_error_message=_("A body representative must be tied to a body."),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def has_perm(self, perm, obj=None):
        # Django lets an active superuser pass every check, and honours model permissions granted
        # in the back office. In the record that would let the back-office account write for any
        # country or review its own update, so wherever the rule set defines a permission, it
        # alone decides, for everyone (it treats a superuser as the secretariat): pages ask the
        # same rules as the services' `core.permissions.require`.
        if rules.perm_exists(perm):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    @property
    def is_secretariat(self):
        return self.role == Role.SECRETARIAT or self.is_superuser

    @property
    def party_label(self):
        """Whom the user acts for, as shown beside their name."""
        from accounts.parties import party_of  # accounts.parties reads Role from this module

        party = party_of(self)
        if party is None:
            return self.get_role_display()
        return self.member_state.local_name if party.member_state_id else self.body.acronym
