"""Launch plans: one per roadmap item, shared by product and marketing (0006 copies the
item's launch fields into them, 0007 removes those fields)."""

import django.db.models.deletion
import roadmap.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('roadmap', '0004_jira_sync'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalLaunchPlan',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('status', models.CharField(choices=[('planned', 'Planned'), ('ready', 'Ready'), ('launched', 'Launched'), ('cancelled', 'Cancelled')], db_index=True, default='planned', max_length=16)),
                ('value_proposition', models.TextField(blank=True)),
                ('key_messages', models.JSONField(blank=True, default=list, help_text='Up to 10 messages.', validators=[roadmap.models.validate_key_messages])),
                ('channels', models.JSONField(blank=True, default=list, help_text='Channel codes: paid_search, social, email, content, events, partners, sales, product_led, other.', validators=[roadmap.models.validate_channels])),
                ('target_launch_date', models.DateField(blank=True, db_index=True, null=True)),
                ('positioning_approved', models.BooleanField(default=False)),
                ('sales_enablement_ready', models.BooleanField(default=False, verbose_name='sales enablement')),
                ('documentation_ready', models.BooleanField(default=False, verbose_name='documentation')),
                ('campaign_assets_ready', models.BooleanField(default=False, verbose_name='campaign assets')),
                ('analytics_ready', models.BooleanField(default=False, verbose_name='analytics in place')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='roadmap.roadmapitem')),
                ('marketing_owner', models.ForeignKey(blank=True, db_constraint=False, help_text='A user with the marketing role.', limit_choices_to=models.Q(('groups__name', 'marketing')), null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('product_owner', models.ForeignKey(blank=True, db_constraint=False, help_text='A user with the product role.', limit_choices_to=models.Q(('groups__name', 'product'), ('is_superuser', True), _connector='OR'), null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical launch plan',
                'verbose_name_plural': 'historical launch plans',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='LaunchPlan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('planned', 'Planned'), ('ready', 'Ready'), ('launched', 'Launched'), ('cancelled', 'Cancelled')], db_index=True, default='planned', max_length=16)),
                ('value_proposition', models.TextField(blank=True)),
                ('key_messages', models.JSONField(blank=True, default=list, help_text='Up to 10 messages.', validators=[roadmap.models.validate_key_messages])),
                ('channels', models.JSONField(blank=True, default=list, help_text='Channel codes: paid_search, social, email, content, events, partners, sales, product_led, other.', validators=[roadmap.models.validate_channels])),
                ('target_launch_date', models.DateField(blank=True, db_index=True, null=True)),
                ('positioning_approved', models.BooleanField(default=False)),
                ('sales_enablement_ready', models.BooleanField(default=False, verbose_name='sales enablement')),
                ('documentation_ready', models.BooleanField(default=False, verbose_name='documentation')),
                ('campaign_assets_ready', models.BooleanField(default=False, verbose_name='campaign assets')),
                ('analytics_ready', models.BooleanField(default=False, verbose_name='analytics in place')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('item', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='launch_plan', to='roadmap.roadmapitem')),
                ('marketing_owner', models.ForeignKey(blank=True, help_text='A user with the marketing role.', limit_choices_to=models.Q(('groups__name', 'marketing')), null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='marketing_launch_plans', to=settings.AUTH_USER_MODEL)),
                ('product_owner', models.ForeignKey(blank=True, help_text='A user with the product role.', limit_choices_to=models.Q(('groups__name', 'product'), ('is_superuser', True), _connector='OR'), null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='product_launch_plans', to=settings.AUTH_USER_MODEL)),
                ('target_segments', models.ManyToManyField(blank=True, related_name='launch_plans', to='roadmap.segment')),
            ],
            options={
                'ordering': [models.OrderBy(models.F('target_launch_date'), nulls_last=True), 'id'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalLaunchPlan_target_segments',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='roadmap.historicallaunchplan')),
                ('segment', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='roadmap.segment')),
                ('launchplan', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='roadmap.launchplan')),
            ],
            options={
                'verbose_name': 'HistoricalLaunchPlan_target_segments',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name='launchplan',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['planned', 'ready', 'launched', 'cancelled'])), name='launch_plan_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='launchplan',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'ready'), _negated=True), models.Q(('analytics_ready', True), ('campaign_assets_ready', True), ('documentation_ready', True), ('positioning_approved', True), ('sales_enablement_ready', True)), _connector='OR'), name='launch_plan_ready_means_checklist_done', violation_error_message='A plan is ready only when its whole checklist is done.'),
        ),
    ]
