"""Give product the admin permissions on outbound webhooks (config app): subscriptions,
deliveries (redeliver), events and the attempt log. Other roles get none: a
subscription's secret is not for every reader."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = (
    "webhooksubscription",
    "webhookdelivery",
    "webhookevent",
    "webhookattempt",
    "webhookcursor",
)


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    product = Group.objects.filter(name="product").first()
    if product is not None:
        product.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="config", content_type__model__in=MODELS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0006_ranking_representation"),
        ("config", "0003_webhooks"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
