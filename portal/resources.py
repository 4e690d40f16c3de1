"""django-import-export resources for the official tables."""

from import_export import fields, resources

from portal.models import Unit


class UnitResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="单位名称")
    uscc = fields.Field(attribute="uscc", column_name="统一社会信用代码")
    channel = fields.Field(attribute="channel__name", column_name="推荐渠道")
    unit_type = fields.Field(attribute="unit_type", column_name="单位类型")
    ownership = fields.Field(attribute="ownership", column_name="所有制")
    address = fields.Field(attribute="address", column_name="通讯地址")
    postcode = fields.Field(attribute="postcode", column_name="邮编")
    contact_name = fields.Field(attribute="contact_name", column_name="联系人")

    class Meta:
        model = Unit
        fields = ("name", "uscc", "channel", "unit_type", "ownership", "address", "postcode", "contact_name")
        export_order = fields
