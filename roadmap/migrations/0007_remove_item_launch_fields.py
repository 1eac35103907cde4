"""The launch fields now live on LaunchPlan (copied by 0006)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0006_copy_launch_fields")]

    operations = [
        migrations.RemoveField(
            model_name='historicalroadmapitem',
            name='launch_channels',
        ),
        migrations.RemoveField(
            model_name='historicalroadmapitem',
            name='target_launch_date',
        ),
        migrations.RemoveField(
            model_name='historicalroadmapitem',
            name='value_proposition',
        ),
        migrations.RemoveField(
            model_name='roadmapitem',
            name='launch_channels',
        ),
        migrations.RemoveField(
            model_name='roadmapitem',
            name='launch_segments',
        ),
        migrations.RemoveField(
            model_name='roadmapitem',
            name='target_launch_date',
        ),
        migrations.RemoveField(
            model_name='roadmapitem',
            name='value_proposition',
        ),
    ]
