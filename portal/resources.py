"""django-import-export resources for the official tables.

Every export resource derives from `FormulaSafeResource`: a text cell that a spreadsheet program
would read as a formula (it starts with = + - @, a tab or a carriage return) is written with a
leading apostrophe, so text typed into the portal stays text in Excel/WPS and in a CSV saved from
the file (OWASP "CSV injection"; security.md #27).
"""

from import_export import fields, resources

from portal.models import Unit

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """`value`, with a leading apostrophe when it is text that would start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class FormulaSafeResource(resources.ModelResource):
    """A ModelResource whose exported text cells never start a formula (see the module docstring)."""

    def export_resource(self, instance, selected_fields=None, **kwargs):
        row = super().export_resource(instance, selected_fields=selected_fields, **kwargs)
        return [formula_safe(value) for value in row]


class UnitResource(FormulaSafeResource):
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
