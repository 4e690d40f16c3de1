from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.tracking import tracked


@tracked()
class ReferenceItem(models.Model):
    """One entry of a reference list (民族, 政治面貌, 学历, 技能等级, 荣誉, 申报条件 …).

    Loaded from portal.reference_data by a data migration; the city bureau may edit labels or
    deactivate entries, but codes stored in cases never change meaning.
    """

    kind = models.CharField(_("类别"), max_length=40)
    code = models.CharField(_("代码"), max_length=20)
    label = models.CharField(_("名称"), max_length=100)
    short_label = models.CharField(_("简称"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("参考数据")
        verbose_name_plural = _("参考数据")
        ordering = ["kind", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="referenceitem_kind_code_unique")]

    def __str__(self) -> str:
        return self.short_label or self.label
