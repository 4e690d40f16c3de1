import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.enums import AuditAction, AuditOutcome


class AuditEvent(models.Model):
    """A security event (login, failure, lockout, denied access, export, reveal, role change …).

    Append-only in the database (UPDATE and DELETE raise); each row carries the hash of the
    previous row so an edit made around the trigger is detectable (`manage.py audit_verify`).
    Rows are written only through portal.services.audit_record.
    """

    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    actor_role = models.CharField(_("角色"), max_length=40, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    action = models.CharField(_("事件"), max_length=30, choices=AuditAction.choices, db_index=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=AuditOutcome.choices)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    path = models.CharField(_("请求路径"), max_length=500, blank=True)
    request_id = models.CharField(_("请求ID"), max_length=64, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("安全审计日志")
        verbose_name_plural = _("安全审计日志")
        ordering = ["-id"]
        # The auditor's usual question: one account over a period (bench L15).
        indexes = [models.Index(fields=["actor_username", "created_at"], name="auditevent_actor_time_idx")]
        triggers = [
            pgtrigger.Protect(name="auditevent_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.get_action_display()}"


class TransitionLog(models.Model):
    """One status change of a case (application, evaluation …): the workflow history.

    Written only by the one transition service of each workflow; append-only in the database.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField(db_index=True)
    action = models.CharField(_("操作"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=40)
    to_status = models.CharField(_("新状态"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    actor_role = models.CharField(_("角色"), max_length=40, blank=True)
    reason = models.TextField(_("理由/意见"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="transitionlog_case_idx")]
        triggers = [
            pgtrigger.Protect(name="transitionlog_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"
