from django.db import migrations, models


def backfill(apps, schema_editor):
    from zhengxie.opinions.credit import credit_backfill

    credit_backfill(apps.get_model("opinions", "Opinion"), apps.get_model("opinions", "Track"),
                    apps.get_model("opinions", "Lineage"))


class Migration(migrations.Migration):
    dependencies = [("opinions", "0001_initial")]

    operations = [
        migrations.AddField(model_name="opinion", name="credit_adoption",
                            field=models.PositiveSmallIntegerField(default=0, verbose_name="采用层级")),
        migrations.AddField(model_name="opinion", name="credit_instruction",
                            field=models.PositiveSmallIntegerField(default=0, verbose_name="批示层级")),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
