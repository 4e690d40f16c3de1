from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField
from portal.enums import ChannelKind
from portal.tracking import tracked
from portal.validators import validate_postcode, validate_uscc


@tracked()
class Channel(models.Model):
    """A reporting channel (申报渠道): the body that pre-reviews and recommends its units' cases.

    Districts, county-level cities, functional zones and industry authorities review their own
    units; the single DIRECT_CITY channel's cases are pre-reviewed by the city bureau itself.
    """

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=ChannelKind.choices)
    authority = models.CharField(_("审核推荐机关"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("推荐渠道")
        verbose_name_plural = _("推荐渠道")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChannelKind.values), name="channel_kind_valid"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind=ChannelKind.DIRECT_CITY), name="channel_single_direct_city"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_direct_city(self) -> bool:
        return self.kind == ChannelKind.DIRECT_CITY


@tracked()
class Unit(models.Model):
    """An applying unit (申报单位 / 依托单位). Belongs to exactly one reporting channel."""

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    unit_type = models.CharField(_("单位类型"), max_length=20)
    ownership = models.CharField(_("所有制"), max_length=20)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="units", verbose_name=_("推荐渠道")
    )
    address = models.CharField(_("通讯地址"), max_length=200)
    postcode = models.CharField(_("邮编"), max_length=6, validators=[validate_postcode])
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = EncryptedTextField(_("联系电话"))
    email = models.EmailField(_("电子邮箱"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("申报单位")
        verbose_name_plural = _("申报单位")
        ordering = ["channel__sort_order", "name"]

    def __str__(self) -> str:
        return self.name
