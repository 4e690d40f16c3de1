"""Zhenjiang's reporting channels as editable data (domain.md §2)."""

from django.db import migrations

CHANNELS = [
    # code, name, kind, reviewing authority
    ("321102", "京口区", "district", "京口区人力资源和社会保障局"),
    ("321111", "润州区", "district", "润州区人力资源和社会保障局"),
    ("321112", "丹徒区", "district", "丹徒区人力资源和社会保障局"),
    ("321181", "丹阳市", "county_city", "丹阳市人力资源和社会保障局"),
    ("321182", "扬中市", "county_city", "扬中市人力资源和社会保障局"),
    ("321183", "句容市", "county_city", "句容市人力资源和社会保障局"),
    ("ZJXQ", "镇江新区", "zone", "镇江新区人力资源和社会保障部门"),
    ("ZJGXQ", "镇江高新区", "zone", "镇江高新区社会事业局"),
    ("DIRECT", "驻镇省属、市直单位", "direct_city", "镇江市人力资源和社会保障局"),
]


def seed(apps, schema_editor):
    Channel = apps.get_model("portal", "Channel")
    for order, (code, name, kind, authority) in enumerate(CHANNELS, start=1):
        Channel.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "authority": authority, "sort_order": order * 10}
        )


def unseed(apps, schema_editor):
    apps.get_model("portal", "Channel").objects.filter(code__in=[c[0] for c in CHANNELS]).delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
