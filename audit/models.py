"""The security event log (安全审计日志): who did what to which object, from where, and how it went.

Separate from record history (django-simple-history keeps what a record looked like; this keeps
who signed in, exported, downloaded, was refused…). Rows are written once and never changed:
``SecurityEvent.save`` refuses an update, the queryset refuses ``update``/``delete``, and a
database trigger (migration 0001, PostgreSQL and SQLite) refuses UPDATE and refuses DELETE of any row younger than
``AUDIT_MIN_KEEP_DAYS`` — the floor ``manage.py purge_audit`` cannot go below either.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The legal floor (等保2.0 三级: logs kept at least six months); also written into the trigger.
AUDIT_MIN_KEEP_DAYS = 180


class AppendOnly(Exception):
    pass


class Event(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出登录")
    LOCKED_OUT = "locked_out", _("账号锁定")
    UNLOCKED = "unlocked", _("解除锁定")
    SESSION_EXPIRED = "session_expired", _("会话超时")
    PASSWORD_CHANGED = "password_changed", _("修改密码")
    PASSWORD_SET = "password_set", _("重置他人密码")
    OTP_ENROLLED = "otp_enrolled", _("绑定双因素认证")
    OTP_VERIFIED = "otp_verified", _("双因素认证通过")
    OTP_FAILED = "otp_failed", _("双因素认证失败")
    OTP_RECOVERY_USED = "otp_recovery_used", _("使用恢复码")
    OTP_CODES_RENEWED = "otp_codes_renewed", _("重新生成恢复码")
    OTP_RESET = "otp_reset", _("重置双因素认证")
    REFUSED = "refused", _("越权访问被拒绝")
    EXPORTED = "exported", _("导出")
    DOWNLOADED = "downloaded", _("下载")
    EVIDENCE_ORIGINAL = "evidence_original", _("查看证据原件")
    IMPORTED = "imported", _("导入")
    ACCOUNT_CREATED = "account_created", _("新建账号")
    ROLE_CHANGED = "role_changed", _("角色或范围变更")
    ACCOUNT_ACTIVE = "account_active", _("账号启用或停用")
    PUBLISHED = "published", _("印发通报")
    CALENDAR_CHANGED = "calendar_changed", _("工作日历变更")
    AUDIT_PURGED = "audit_purged", _("清理过期审计日志")
    BACKUP = "backup", _("备份或恢复")


class Result(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    REFUSED = "refused", _("拒绝")


class SecurityEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("security events are never changed")

    def delete(self):
        raise AppendOnly("security events are removed only by manage.py purge_audit")


class SecurityEvent(models.Model):
    at = models.DateTimeField(_("时间"), db_index=True)
    # The account, when there is one; the name as typed too (a failed login may name no account).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=True,
    )
    username = models.CharField(_("账号"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("地址"), null=True, blank=True)
    event = models.CharField(_("事件"), max_length=30, choices=Event.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=50, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, default=Result.SUCCESS)
    # What else says what happened: the filter of an export, its row count, the path refused…
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("安全审计日志")
        verbose_name_plural = _("安全审计日志")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["event", "at"], name="audit_event_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_event_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("security events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("security events are removed only by manage.py purge_audit")
