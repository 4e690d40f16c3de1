"""Reference lists (民族, 政治面貌, 学历, 技能等级, 荣誉, 申报条件 …) from portal.reference_data."""

from django.db import migrations


def seed(apps, schema_editor):
    from portal.reference import sync_reference_items

    sync_reference_items(apps.get_model("portal", "ReferenceItem"))


def unseed(apps, schema_editor):
    apps.get_model("portal", "ReferenceItem").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_seed_channels")]
    operations = [migrations.RunPython(seed, unseed)]
