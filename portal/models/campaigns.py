from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.tracking import tracked


@tracked()
class Campaign(models.Model):
    """The year's notice (年度通知): deadlines, quotas and fund for one year's cycle.

    Deadlines, quotas and amounts are data the city bureau edits; nothing in code assumes 2023's
    values. The current campaign is the newest published one.
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    title = models.CharField(_("通知标题"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=50, blank=True)
    is_published = models.BooleanField(_("已发布"), default=False)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    summary = models.TextField(_("通知要点"), blank=True)

    unit_filing_deadline = models.DateTimeField(_("单位申报截止"))
    channel_review_deadline = models.DateTimeField(_("初审推荐截止"))
    expert_review_deadline = models.DateTimeField(_("专家评审截止"))
    city_decision_deadline = models.DateTimeField(_("市局认定截止"))
    evaluation_filing_deadline = models.DateTimeField(_("评估考核填报截止"))

    channel_quota_min = models.PositiveSmallIntegerField(_("每渠道最少推荐数"), default=1)
    channel_quota_max = models.PositiveSmallIntegerField(_("每渠道最多推荐数"), default=2)
    direct_city_quota_max = models.PositiveSmallIntegerField(_("直报单位最多推荐数"), default=2)
    accreditation_max = models.PositiveSmallIntegerField(_("全市认定上限"), default=5)
    startup_fund = models.DecimalField(_("一次性启动资金（元）"), max_digits=10, decimal_places=2, default=20000)
    publicity_working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)

    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_address = models.CharField(_("通讯地址"), max_length=200, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("年度申报通知")
        verbose_name_plural = _("年度申报通知")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel_quota_min__lte=F("channel_quota_max")), name="campaign_quota_min_le_max"
            ),
            models.CheckConstraint(condition=Q(accreditation_max__gte=1), name="campaign_accreditation_max_pos"),
            models.CheckConstraint(
                condition=Q(publicity_working_days__gte=1, publicity_working_days__lte=30),
                name="campaign_publicity_days_range",
            ),
            models.CheckConstraint(
                condition=Q(unit_filing_deadline__lte=F("channel_review_deadline"))
                & Q(channel_review_deadline__lte=F("expert_review_deadline"))
                & Q(expert_review_deadline__lte=F("city_decision_deadline")),
                name="campaign_deadlines_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def deadlines(self) -> list[tuple[str, object]]:
        """(label, datetime) pairs in the order the stages run."""
        fields = [
            "unit_filing_deadline",
            "channel_review_deadline",
            "expert_review_deadline",
            "city_decision_deadline",
            "evaluation_filing_deadline",
        ]
        return [(self._meta.get_field(f).verbose_name, getattr(self, f)) for f in fields]


@tracked()
class CalendarOverride(models.Model):
    """A bureau-entered day that overrides chinese-calendar (holiday, or 调休 make-up workday)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"
