"""Give the role groups their admin permissions on the models of closing the loop:
launch plans (shared: marketing adds, changes and deletes them too), outcomes (marketing
submits them) and confidence calibrations (product applies them). The API checks roles
itself; these are for the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
ROLES = ("product", "marketing", "integration")
# (app label, model) → actions per role
GRANTS = {
    ("roadmap", "launchplan"): {"product": ALL, "marketing": ALL, "integration": ("view",)},
    ("roadmap", "historicallaunchplan"): {
        "product": ALL,
        "marketing": ("view",),
        "integration": ("view",),
    },
    ("signals", "outcome"): {
        "product": ALL,
        "marketing": ("add", "change", "view"),
        "integration": ("view",),
    },
    ("signals", "historicaloutcome"): {
        "product": ALL,
        "marketing": ("view",),
        "integration": ("view",),
    },
    ("scoring", "confidencecalibration"): {
        "product": ALL,
        "marketing": ("view",),
        "integration": ("view",),
    },
}


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; create them now so they can be given.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
    for (app_label, model), roles in GRANTS.items():
        for role, actions in roles.items():
            groups[role].permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0004_calibration"),
        ("roadmap", "0007_remove_item_launch_fields"),
        ("signals", "0003_outcome"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
