"""Give the role groups their admin permissions (the API checks roles itself)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PRODUCT_APPS = ("roadmap", "signals", "scoring")
MARKETING = {
    "signals": ("add", "change", "view"),
    "roadmap": ("view",),
    "scoring": ("view",),
}
INTEGRATION = {"roadmap": ("view",), "scoring": ("view",), "signals": ("view",)}


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; create them now so they can be given.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    product = Group.objects.get(name="product")
    product.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=PRODUCT_APPS),
        *Permission.objects.filter(content_type__app_label="config", content_type__model="apikey"),
    )
    for group_name, grants in (("marketing", MARKETING), ("integration", INTEGRATION)):
        group = Group.objects.get(name=group_name)
        for app_label, actions in grants.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__regex=r"^(" + "|".join(actions) + r")_",
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0002_role_groups"),
        ("signals", "0001_initial"),
        ("scoring", "0002_default_scoring_model"),
        ("config", "0001_initial"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
