"""Copy each item's launch fields (value proposition, channels, target date, launch
segments) into a LaunchPlan of its own, with a first history row that says where it came
from. Items without any launch data get no plan.

- Channels were free text: each one is normalized (lower case, spaces and dashes as
  underscores) and kept when it is a channel code of roadmap.choices.Channel; any other
  name becomes `other` (once), since the plan's channels are codes now.
- Status: a shipped item's plan is `launched`, an archived item's `cancelled`, any other
  `planned` (the checklist starts empty, so nothing can be `ready`).

Reversible: going back copies the plans' fields onto their items again.
"""

from django.db import migrations
from django.utils import timezone

# roadmap.choices.Channel at the time of writing (a migration must not import the live one).
CHANNELS = (
    "paid_search",
    "social",
    "email",
    "content",
    "events",
    "partners",
    "sales",
    "product_led",
    "other",
)
REASON = "moved from the item's launch fields"
CHUNK = 1000


def _channels(raw):
    codes = []
    for name in raw if isinstance(raw, list) else []:
        if not isinstance(name, str) or not name.strip():
            continue
        code = name.strip().lower().replace(" ", "_").replace("-", "_")
        code = code if code in CHANNELS else "other"
        if code not in codes:
            codes.append(code)
    return codes


def _status(item_status):
    return {"shipped": "launched", "archived": "cancelled"}.get(item_status, "planned")


def copy_to_plans(apps, schema_editor):
    Item = apps.get_model("roadmap", "RoadmapItem")
    Plan = apps.get_model("roadmap", "LaunchPlan")
    HistoricalPlan = apps.get_model("roadmap", "HistoricalLaunchPlan")
    HistoricalPlanSegment = apps.get_model("roadmap", "HistoricalLaunchPlan_target_segments")
    PlanSegment = Plan.target_segments.through
    now = timezone.now()
    items = Item.objects.prefetch_related("launch_segments").order_by("pk")
    batch = []
    for item in items.iterator(chunk_size=CHUNK):
        segment_ids = sorted(segment.pk for segment in item.launch_segments.all())
        channels = _channels(item.launch_channels)
        if not (item.value_proposition or channels or item.target_launch_date or segment_ids):
            continue
        batch.append((item, channels, segment_ids))
        if len(batch) >= CHUNK:
            _write(batch, Plan, PlanSegment, HistoricalPlan, HistoricalPlanSegment, now)
            batch = []
    if batch:
        _write(batch, Plan, PlanSegment, HistoricalPlan, HistoricalPlanSegment, now)


def _write(batch, Plan, PlanSegment, HistoricalPlan, HistoricalPlanSegment, now):
    Plan.objects.bulk_create(
        [
            Plan(
                item_id=item.pk,
                status=_status(item.status),
                value_proposition=item.value_proposition,
                channels=channels,
                target_launch_date=item.target_launch_date,
            )
            for item, channels, _ in batch
        ]
    )
    # Read the rows back rather than rely on bulk_create setting primary keys.
    item_ids = [item.pk for item, _, _ in batch]
    by_item = {plan.item_id: plan for plan in Plan.objects.filter(item_id__in=item_ids)}
    PlanSegment.objects.bulk_create(
        [
            PlanSegment(launchplan_id=by_item[item.pk].pk, segment_id=segment_id)
            for item, _, segment_ids in batch
            for segment_id in segment_ids
        ]
    )
    HistoricalPlan.objects.bulk_create(
        [
            HistoricalPlan(
                id=plan.pk,
                item_id=plan.item_id,
                status=plan.status,
                value_proposition=plan.value_proposition,
                key_messages=plan.key_messages,
                channels=plan.channels,
                target_launch_date=plan.target_launch_date,
                positioning_approved=False,
                sales_enablement_ready=False,
                documentation_ready=False,
                campaign_assets_ready=False,
                analytics_ready=False,
                created_at=plan.created_at,
                updated_at=plan.updated_at,
                history_date=now,
                history_type="+",
                history_change_reason=REASON,
            )
            for plan in by_item.values()
        ]
    )
    history_of = {
        row.id: row.history_id
        for row in HistoricalPlan.objects.filter(
            id__in=[plan.pk for plan in by_item.values()], history_change_reason=REASON
        )
    }
    links = PlanSegment.objects.filter(launchplan_id__in=list(history_of))
    HistoricalPlanSegment.objects.bulk_create(
        [
            HistoricalPlanSegment(
                id=link.pk,
                history_id=history_of[link.launchplan_id],
                launchplan_id=link.launchplan_id,
                segment_id=link.segment_id,
            )
            for link in links
        ]
    )


def copy_to_items(apps, schema_editor):
    Item = apps.get_model("roadmap", "RoadmapItem")
    Plan = apps.get_model("roadmap", "LaunchPlan")
    ItemSegment = Item.launch_segments.through
    segments_of = {}
    for plan_id, segment_id in Plan.target_segments.through.objects.values_list(
        "launchplan_id", "segment_id"
    ):
        segments_of.setdefault(plan_id, []).append(segment_id)
    for plan in Plan.objects.order_by("pk").iterator(chunk_size=CHUNK):
        Item.objects.filter(pk=plan.item_id).update(
            value_proposition=plan.value_proposition,
            launch_channels=list(plan.channels),
            target_launch_date=plan.target_launch_date,
        )
        ItemSegment.objects.bulk_create(
            [
                ItemSegment(roadmapitem_id=plan.item_id, segment_id=segment_id)
                for segment_id in segments_of.get(plan.pk, ())
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0005_launch_plan")]

    operations = [migrations.RunPython(copy_to_plans, copy_to_items)]
