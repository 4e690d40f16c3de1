"""Enumerations shared across the portal. Labels are the Chinese UI text."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    UNIT = "unit", _("申报单位")
    CHANNEL = "channel", _("推荐单位（辖市区人社局/行业主管部门）")
    EXPERT = "expert", _("评审专家")
    CITY_OFFICER = "city_officer", _("市人社局经办人")
    CITY_APPROVER = "city_approver", _("市人社局审批人")
    AUDITOR = "auditor", _("审计管理员")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")


# Roles that belong to the city bureau and see every channel.
CITY_ROLES = frozenset({Role.CITY_OFFICER, Role.CITY_APPROVER})
# Roles whose assignment must carry a scope object.
SCOPED_ROLES = {Role.UNIT: "unit", Role.CHANNEL: "channel"}


class ChannelKind(models.TextChoices):
    DISTRICT = "district", _("区")
    COUNTY_CITY = "county_city", _("县级市")
    ZONE = "zone", _("功能区")
    INDUSTRY = "industry", _("行业主管部门")
    DIRECT_CITY = "direct_city", _("驻镇省属、市直单位（直报市人社局）")


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录成功")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    LOGOUT = "logout", _("退出登录")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    ACCESS_DENIED = "access_denied", _("拒绝访问")
    ROLE_GRANT = "role_grant", _("授予角色")
    ROLE_REVOKE = "role_revoke", _("撤销角色")
    EXPORT = "export", _("导出数据")
    DOWNLOAD = "download", _("下载文件")
    REVEAL = "reveal", _("查看完整个人信息")
    OTP = "otp", _("双因素认证")
    ACCOUNT = "account", _("账号管理")
    CONFIG = "config", _("配置变更")
    WORKFLOW = "workflow", _("业务流转")
    INTEGRITY = "integrity", _("完整性告警")
    RETENTION = "retention", _("到期清理")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")
