"""Outcomes: KPIs measured after an item shipped."""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('roadmap', '0007_remove_item_launch_fields'),
        ('signals', '0002_link_weight_floor'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalOutcome',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('source', models.CharField(default='manual', max_length=64)),
                ('external_id', models.CharField(blank=True, max_length=200)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('kpi', models.CharField(choices=[('activation_rate', 'Activation rate'), ('conversion_rate', 'Conversion rate'), ('retention', 'Retention'), ('churn', 'Churn'), ('nps', 'NPS'), ('ltv', 'LTV'), ('custom', 'Custom')], db_index=True, max_length=32)),
                ('custom_kpi', models.CharField(blank=True, help_text="The KPI's name; required for a custom KPI only.", max_length=120)),
                ('channel', models.CharField(blank=True, choices=[('paid_search', 'Paid search'), ('social', 'Social'), ('email', 'Email'), ('content', 'Content'), ('events', 'Events'), ('partners', 'Partners'), ('sales', 'Sales'), ('product_led', 'Product-led'), ('other', 'Other')], max_length=16)),
                ('baseline', models.FloatField(help_text='The KPI before the release.')),
                ('measured', models.FloatField(help_text='The KPI measured over the period.')),
                ('period_start', models.DateField()),
                ('period_end', models.DateField(db_index=True)),
                ('people_measured', models.PositiveBigIntegerField(blank=True, help_text='People the measurement covers over the period.', null=True, validators=[django.core.validators.MaxValueValidator(100000000000)])),
                ('team', models.CharField(choices=[('product', 'Product'), ('marketing', 'Marketing')], editable=False, max_length=16)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='roadmap.roadmapitem')),
                ('segment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='roadmap.segment')),
                ('submitted_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical outcome',
                'verbose_name_plural': 'historical outcomes',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Outcome',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(default='manual', max_length=64)),
                ('external_id', models.CharField(blank=True, max_length=200)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('kpi', models.CharField(choices=[('activation_rate', 'Activation rate'), ('conversion_rate', 'Conversion rate'), ('retention', 'Retention'), ('churn', 'Churn'), ('nps', 'NPS'), ('ltv', 'LTV'), ('custom', 'Custom')], db_index=True, max_length=32)),
                ('custom_kpi', models.CharField(blank=True, help_text="The KPI's name; required for a custom KPI only.", max_length=120)),
                ('channel', models.CharField(blank=True, choices=[('paid_search', 'Paid search'), ('social', 'Social'), ('email', 'Email'), ('content', 'Content'), ('events', 'Events'), ('partners', 'Partners'), ('sales', 'Sales'), ('product_led', 'Product-led'), ('other', 'Other')], max_length=16)),
                ('baseline', models.FloatField(help_text='The KPI before the release.')),
                ('measured', models.FloatField(help_text='The KPI measured over the period.')),
                ('period_start', models.DateField()),
                ('period_end', models.DateField(db_index=True)),
                ('people_measured', models.PositiveBigIntegerField(blank=True, help_text='People the measurement covers over the period.', null=True, validators=[django.core.validators.MaxValueValidator(100000000000)])),
                ('team', models.CharField(choices=[('product', 'Product'), ('marketing', 'Marketing')], editable=False, max_length=16)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='outcomes', to='roadmap.roadmapitem')),
                ('segment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='roadmap.segment')),
                ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-period_end', '-id'],
                'indexes': [models.Index(fields=['item', 'kpi'], name='signals_out_item_id_a6067b_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('external_id', ''), _negated=True), fields=('source', 'external_id'), name='outcome_source_external_id_unique'), models.CheckConstraint(condition=models.Q(('kpi__in', ['activation_rate', 'conversion_rate', 'retention', 'churn', 'nps', 'ltv', 'custom'])), name='outcome_kpi_valid'), models.CheckConstraint(condition=models.Q(('team__in', ['product', 'marketing'])), name='outcome_team_valid'), models.CheckConstraint(condition=models.Q(('channel', ''), ('channel__in', ['paid_search', 'social', 'email', 'content', 'events', 'partners', 'sales', 'product_led', 'other']), _connector='OR'), name='outcome_channel_valid'), models.CheckConstraint(condition=models.Q(models.Q(('kpi', 'custom'), models.Q(('custom_kpi', ''), _negated=True)), models.Q(models.Q(('kpi', 'custom'), _negated=True), ('custom_kpi', '')), _connector='OR'), name='outcome_custom_kpi_named_iff_custom'), models.CheckConstraint(condition=models.Q(models.Q(('kpi__in', ('activation_rate', 'conversion_rate', 'retention', 'churn')), _negated=True), models.Q(('baseline__gte', 0), ('baseline__lte', 1), ('measured__gte', 0), ('measured__lte', 1)), _connector='OR'), name='outcome_rates_between_0_and_1'), models.CheckConstraint(condition=models.Q(models.Q(('kpi', 'nps'), _negated=True), models.Q(('baseline__gte', -100), ('baseline__lte', 100), ('measured__gte', -100), ('measured__lte', 100)), _connector='OR'), name='outcome_nps_between_minus_100_and_100'), models.CheckConstraint(condition=models.Q(('baseline__gte', -1000000000000000.0), ('baseline__lte', 1000000000000000.0), ('measured__gte', -1000000000000000.0), ('measured__lte', 1000000000000000.0), models.Q(models.Q(('kpi', 'ltv'), _negated=True), models.Q(('baseline__gte', 0), ('measured__gte', 0)), _connector='OR')), name='outcome_values_in_range'), models.CheckConstraint(condition=models.Q(('period_start__lte', models.F('period_end'))), name='outcome_period_in_order')],
            },
        ),
    ]
