from django.db import migrations

DEFAULT_KIND_WEIGHTS = {
    "customer_request": 1.0,
    "sales_feedback": 1.0,
    "churn_reason": 1.5,
    "support_ticket": 0.5,
    "competitor_move": 1.0,
    "market_trend": 0.5,
    "usage_insight": 1.0,
}


def create_default_model(apps, schema_editor):
    ScoringModel = apps.get_model("scoring", "ScoringModel")
    if not ScoringModel.objects.exists():
        ScoringModel.objects.create(
            version=1,
            is_active=True,
            note="SCORING.md v1 defaults",
            kind_weights=DEFAULT_KIND_WEIGHTS,
        )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunPython(create_default_model, migrations.RunPython.noop)]
