"""What Guanxi ships (SPEC §15) — dictionary items, pipelines and their stages, plan templates — reads in the
reader's language until a person renames it, on pages and in the API; saving an edit form unchanged keeps it
shipped. (Roles: tests/org/test_role_labels.py.)"""

from typing import Any

from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from guanxi.activities.models import Plan, PlanTemplate
from guanxi.activities.plan_templates import plan_template_save
from guanxi.core.config.dictionary import dictionary_choices
from guanxi.core.models import DictionaryItem
from guanxi.sales.models import Pipeline
from guanxi.sales.services import pipeline_save
from tests.conftest import World, client_for

CHINESE, ENGLISH = "zh-hans", "en"


def page(world: World, url: str, language: str) -> str:
    return client_for(world.root, HTTP_ACCEPT_LANGUAGE=language).get(url).text


def api(world: World, url: str, language: str) -> Any:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(world.root)
    return client.get(url).json()


# --- dictionary items ---------------------------------------------------------------------------------


def test_a_shipped_item_reads_in_the_readers_language_on_the_page_in_pickers_and_in_the_api(world: World) -> None:
    url = reverse("core:dictionary_type", args=["industry"])
    assert "制造业" in page(world, url, CHINESE) and "Manufacturing" not in page(world, url, CHINESE)
    assert "Manufacturing" in page(world, url, ENGLISH) and "制造业" not in page(world, url, ENGLISH)
    with translation.override(CHINESE):
        assert ("manufacturing", "制造业") in dictionary_choices("industry")
    assert ("manufacturing", "Manufacturing") in dictionary_choices("industry")
    items = {row["code"]: row["label"] for row in api(world, "/api/v1/dictionary/industry/", CHINESE)["results"]}
    assert items["manufacturing"] == "制造业"
    items = {row["code"]: row["label"] for row in api(world, "/api/v1/dictionary/industry/", ENGLISH)["results"]}
    assert items["manufacturing"] == "Manufacturing"


def test_an_item_seeded_in_chinese_by_an_earlier_version_is_translated_too(world: World) -> None:
    DictionaryItem.objects.filter(type__code="industry", code="manufacturing").update(label="制造业")
    assert ("manufacturing", "Manufacturing") in dictionary_choices("industry")


def test_saving_a_shipped_item_unchanged_keeps_it_shipped_and_a_rename_sticks(world: World) -> None:
    manufacturing = DictionaryItem.objects.get(type__code="industry", code="manufacturing")
    url = reverse("core:dictionary_item", args=["industry", manufacturing.pk])
    chinese = client_for(world.root, HTTP_ACCEPT_LANGUAGE=CHINESE)
    shown = chinese.get(url).context["form"]["label"].value()
    assert shown == "制造业"
    assert chinese.post(url, {"label": shown}).status_code == 302
    assert DictionaryItem.objects.get(pk=manufacturing.pk).label == manufacturing.label  # not stored in Chinese
    with translation.override(ENGLISH):  # a request leaves its language active
        assert ("manufacturing", "Manufacturing") in dictionary_choices("industry")

    chinese.post(url, {"label": "装备制造"})
    with translation.override(ENGLISH):
        assert ("manufacturing", "装备制造") in dictionary_choices("industry")  # a person's name stays


def test_a_label_a_shipped_item_has_in_another_language_is_taken(world: World) -> None:
    response = client_for(world.root, HTTP_ACCEPT_LANGUAGE=ENGLISH).post(
        reverse("core:dictionary_type", args=["industry"]), {"label": "制造业", "code": ""}
    )
    assert response.context["form"].errors["label"] == ["This type already has an item with that label."]


# --- pipelines and stages -------------------------------------------------------------------------------


def test_shipped_pipelines_and_stages_read_in_the_readers_language_on_the_page_and_in_the_api(world: World) -> None:
    url = reverse("sales:pipelines")
    chinese, english = page(world, url, CHINESE), page(world, url, ENGLISH)
    assert "项目销售" in chinese and "初步接洽" in chinese and "战败" in chinese
    assert "Project sales" in english and "Initial contact" in english and "Lost to a rival" in english
    assert "项目销售" not in english and "Project sales" not in chinese
    project = Pipeline.objects.get(code="project")
    for language, name, stage in [(CHINESE, "项目销售", "初步接洽"), (ENGLISH, "Project sales", "Initial contact")]:
        body = api(world, f"/api/v1/pipelines/{project.pk}/", language)
        assert (body["name"], body["stages"][0]["name"]) == (name, stage)


def test_saving_a_shipped_pipeline_unchanged_keeps_it_shipped_and_a_rename_sticks(world: World) -> None:
    project = Pipeline.objects.get(code="project")
    form = client_for(world.root, HTTP_ACCEPT_LANGUAGE=CHINESE).get(reverse("sales:pipeline_edit", args=[project.pk]))
    assert form.context["form"]["name"].value() == "项目销售"
    assert form.context["formset"].forms[0]["name"].value() == "初步接洽"
    stored = (project.name, [stage.name for stage in project.stages.all()])
    with translation.override(CHINESE):  # what the Chinese form sends back
        stages = [(stage, {"name": stage.shown_name}) for stage in project.stages.all()]
        pipeline_save(actor=world.root, pipeline=project, data={"name": project.shown_name}, stages=stages)
    project.refresh_from_db()
    assert (project.name, [stage.name for stage in project.stages.all()]) == stored
    with translation.override(ENGLISH):  # a request leaves its language active
        assert project.shown_name == "Project sales"

    first = project.stages.first()
    pipeline_save(
        actor=world.root,
        pipeline=project,
        data={"name": "工程项目"},
        stages=[
            (stage, {"name": "初次拜访" if stage == first else stage.shown_name}) for stage in project.stages.all()
        ],
    )
    project.refresh_from_db()
    with translation.override(ENGLISH):
        names = [stage.shown_name for stage in project.stages.all()]
        assert (project.shown_name, names[0]) == ("工程项目", "初次拜访")  # a person's names stay
        assert names[-1] == "Lost"


# --- plan templates -------------------------------------------------------------------------------------


def test_shipped_plan_templates_read_in_the_readers_language_and_saving_unchanged_keeps_them(world: World) -> None:
    url = reverse("activities:templates")
    assert "购车客户回访" in page(world, url, CHINESE)
    english = page(world, url, ENGLISH)
    assert "Post-purchase follow-up" in english and "购车客户回访" not in english
    template = PlanTemplate.objects.get(code="post_purchase")
    body = api(world, f"/api/v1/plan-templates/{template.pk}/", ENGLISH)
    assert body["name"] == "Post-purchase follow-up" and body["description"].startswith("The post-purchase")

    form = client_for(world.root, HTTP_ACCEPT_LANGUAGE=CHINESE).get(
        reverse("activities:template_edit", args=[template.pk])
    )
    assert form.context["form"]["name"].value() == "购车客户回访"
    stored = (template.name, template.description)
    steps = [{"subject": step.subject, "kind": step.kind, "offset_days": 1} for step in template.steps.all()]
    with translation.override(CHINESE):
        data = {"name": template.shown_name, "description": template.shown_description, "event": template.event}
        plan_template_save(actor=world.root, data=data, steps=steps, template=template)
    template.refresh_from_db()
    assert (template.name, template.description) == stored
    with translation.override(ENGLISH):  # a request leaves its language active
        assert template.shown_name == "Post-purchase follow-up"


def test_shipped_template_steps_and_the_plans_made_from_them_read_in_the_readers_language(world: World) -> None:
    template = PlanTemplate.objects.get(code="post_purchase")
    first = template.steps.all()[0]
    assert first.subject == "48小时回访: 产品满意度, 致谢"  # as migration 0002 seeded it
    english = page(world, reverse("activities:templates"), ENGLISH)
    assert "48-hour call: satisfaction with the product, thanks" in english and first.subject not in english
    assert "48小时回访：产品满意度，致谢" in page(world, reverse("activities:templates"), CHINESE)
    body = api(world, f"/api/v1/plan-templates/{template.pk}/", ENGLISH)
    assert body["steps"][0]["subject"] == "48-hour call: satisfaction with the product, thanks"
    assert body["steps"][0]["script"].startswith("Thank you for your trust!")
    plan = Plan(subject=first.subject, script=first.script)
    with translation.override(ENGLISH):
        assert str(plan) == "48-hour call: satisfaction with the product, thanks"
        assert plan.shown_script.startswith("Thank you for your trust!")

    form = client_for(world.root, HTTP_ACCEPT_LANGUAGE=ENGLISH).get(
        reverse("activities:template_edit", args=[template.pk])
    )
    shown = [dict(row) for row in form.context["steps"].initial]
    assert shown[0]["subject"] == "48-hour call: satisfaction with the product, thanks"
    with translation.override(ENGLISH):  # sent back unchanged, the steps stay shipped; a rewrite sticks
        shown[1]["subject"] = "Call after a week"
        data = {"name": template.shown_name, "description": template.shown_description, "event": template.event}
        plan_template_save(actor=world.root, data=data, steps=shown, template=template)
    assert [step.subject for step in template.steps.all()][:2] == ["48小时回访: 产品满意度, 致谢", "Call after a week"]
