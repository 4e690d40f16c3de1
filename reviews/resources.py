"""推荐汇总表: the channel's recommendations as the official summary table (django-import-export)."""

from django.utils import timezone
from import_export import fields, widgets

from portal import reference
from portal.resources import FormulaSafeResource
from reviews.models import Recommendation


class RecommendationResource(FormulaSafeResource):
    channel = fields.Field(attribute="channel__name", column_name="推荐渠道")
    rank = fields.Field(attribute="rank", column_name="推荐排序", widget=widgets.IntegerWidget(coerce_to_string=False))
    case_number = fields.Field(attribute="application__case_number", column_name="案卷号")
    kind = fields.Field(column_name="申报类型")
    studio_name = fields.Field(attribute="application__studio_name", column_name="工作室名称")
    work_field = fields.Field(attribute="application__work_field", column_name="工作室工作领域")
    unit = fields.Field(attribute="application__unit__name", column_name="申报单位")
    lead_name = fields.Field(attribute="application__lead_name", column_name="领衔人")
    occupation = fields.Field(attribute="application__lead_occupation", column_name="从事职业（工种）")
    skill_level = fields.Field(column_name="职业资格")
    opinion = fields.Field(attribute="opinion", column_name="审核推荐意见")
    recommended_by = fields.Field(column_name="推荐人")
    created_at = fields.Field(column_name="推荐时间")

    class Meta:
        model = Recommendation
        fields = (
            "channel", "rank", "case_number", "kind", "studio_name", "work_field", "unit", "lead_name",
            "occupation", "skill_level", "opinion", "recommended_by", "created_at",
        )
        export_order = fields

    def dehydrate_kind(self, recommendation):
        return recommendation.application.get_kind_display()

    def dehydrate_skill_level(self, recommendation):
        return reference.label("skill_level", recommendation.application.lead_skill_level, short=False)

    def dehydrate_recommended_by(self, recommendation):
        return str(recommendation.recommended_by)

    def dehydrate_created_at(self, recommendation):
        return timezone.localtime(recommendation.created_at).strftime("%Y-%m-%d %H:%M")
