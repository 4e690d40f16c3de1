from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.enums import Role
from portal.tracking import tracked


@tracked(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who signs in. What they may do comes from their RoleAssignments."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    must_change_password = models.BooleanField(_("须修改初始密码"), default=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


@tracked()
class RoleAssignment(models.Model):
    """A role held by a user, with the scope the role requires (a unit or a channel)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "portal.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments",
        verbose_name=_("所属单位"),
    )
    channel = models.ForeignKey(
        "portal.Channel", on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments",
        verbose_name=_("所属推荐渠道"),
    )
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("授权人")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="roleassignment_role_valid"),
            models.CheckConstraint(
                condition=(
                    Q(role=Role.UNIT, unit__isnull=False, channel__isnull=True)
                    | Q(role=Role.CHANNEL, channel__isnull=False, unit__isnull=True)
                    | (~Q(role__in=[Role.UNIT, Role.CHANNEL]) & Q(unit__isnull=True, channel__isnull=True))
                ),
                name="roleassignment_scope_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(granted_by__isnull=True) | ~Q(granted_by=F("user")),
                name="roleassignment_no_self_grant",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit", "channel"], nulls_distinct=False, name="roleassignment_unique"
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit or self.channel
        return f"{self.user} · {self.get_role_display()}" + (f" · {scope}" if scope else "")
