"""The shipped plan templates (SPEC §4.5, §4.7): the four post-purchase calls and the memory curve."""

from typing import Any

from django.db import migrations

# A copy, not an import: a migration keeps the data it shipped with.
SHIPPED: list[dict[str, Any]] = [
    {
        "code": "post_purchase",
        "name": "购车客户回访",
        "event": "first_order",
        "description": "购车客户回访标准: 48小时、一周、满意度调查提醒、一个月。",
        "steps": [
            {"subject": "48小时回访: 产品满意度, 致谢", "offset_hours": 48,
             "script": "感谢您的信任! 请问对车辆/产品是否满意? 使用中有任何问题请随时联系我。"},
            {"subject": "一周回访: 使用情况, 首保提醒", "offset_days": 7,
             "script": "了解使用情况, 提醒首次保养的时间和里程。"},
            {"subject": "满意度调查提醒", "window_cutoff_day": 15, "early_from": 20, "early_to": 25, "late_from": 5,
             "late_to": 10, "script": "提醒客户厂家的满意度调查电话即将到来, 请给予好评。"},
            {"subject": "一个月回访: 使用情况, 新的销售机会", "offset_days": 30,
             "script": "了解使用情况; 询问身边是否有朋友有购买意向 (转介绍)。"},
        ],
    },
    {
        "code": "memory_curve",
        "name": "记忆曲线回访",
        "event": "first_contact",
        "description": "首次接触后按 1、2、4、7、15、30 天间隔回访 (参数 plans.memory_curve_days)。",
        "steps": [],
        "active": False,
    },
]  # fmt: skip


def add_templates(apps: Any, schema_editor: Any) -> None:
    template_model = apps.get_model("activities", "PlanTemplate")
    step_model = apps.get_model("activities", "PlanTemplateStep")
    for spec in SHIPPED:
        if template_model.objects.filter(code=spec["code"]).exists():
            continue
        template = template_model.objects.create(
            code=spec["code"],
            name=spec["name"],
            event=spec["event"],
            description=spec["description"],
            active=spec.get("active", True),
        )
        for position, step in enumerate(spec["steps"]):
            step_model.objects.create(template=template, position=position, **step)


def remove_templates(apps: Any, schema_editor: Any) -> None:
    apps.get_model("activities", "PlanTemplate").objects.filter(code__in=[s["code"] for s in SHIPPED]).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]
    operations = [migrations.RunPython(add_templates, remove_templates)]
