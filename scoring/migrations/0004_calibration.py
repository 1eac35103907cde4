"""Score history keeps the parts of reach and impact; confidence calibrations."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0003_ranking_rankingentry'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='scorehistory',
            name='impact_marketing',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='scorehistory',
            name='impact_product',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='scorehistory',
            name='reach_marketing',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='scorehistory',
            name='reach_product',
            field=models.FloatField(null=True),
        ),
        migrations.CreateModel(
            name='ConfidenceCalibration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('multiplier', models.FloatField()),
                ('based_on', models.JSONField(help_text='Ids of the shipped items the suggestion came from.')),
                ('items_changed', models.PositiveIntegerField(help_text='Open items whose confidence changed.')),
                ('applied_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('applied_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-applied_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('multiplier__gte', 0.5), ('multiplier__lte', 1)), name='calibration_multiplier_range')],
            },
        ),
    ]
