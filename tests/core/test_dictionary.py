from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import translation

from guanxi.core.config import dictionary
from guanxi.core.config.custom_fields import custom_field_create
from guanxi.core.config.dictionary import (
    dictionary_choices,
    dictionary_item_create,
    dictionary_item_delete,
    dictionary_item_move,
    dictionary_item_update,
    dictionary_items_reorder,
    dictionary_label,
    dictionary_sync_defaults,
    dictionary_type_create,
    dictionary_validate,
    register_dictionary_type,
    register_dictionary_usage,
)
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.models import DictionaryItem, DictionaryType
from guanxi.org.models import User
from tests.conftest import client_for, grant

from .config_world import ConfigWorld, api_for, audit_entries


@pytest.fixture
def w(db: None) -> ConfigWorld:
    """The built-in types are group-wide: here Bob administers every unit (tests/core/test_config_units.py
    shows a unit administrator's limits)."""
    world = ConfigWorld()
    grant(world.bob, "system_admin")
    return world


@pytest.fixture
def registries() -> Iterator[None]:
    """Tests that register types or usages leave the registries as they found them."""
    types, usages = dict(dictionary._TYPES), list(dictionary._USAGES)
    yield
    dictionary._TYPES.clear()
    dictionary._TYPES.update(types)
    dictionary._USAGES[:] = usages


def codes(type_code: str) -> list[str]:
    return [code for code, _label in dictionary_choices(type_code)]


def source() -> DictionaryType:
    return DictionaryType.objects.get(code="customer_source")


def item(type_code: str, code: str) -> DictionaryItem:
    return DictionaryItem.objects.get(type__code=type_code, code=code)


# --- defaults and reads -----------------------------------------------------------------------------


def test_the_spec_enumerations_ship_with_translated_labels_and_english_codes(db: None) -> None:
    with translation.override("zh-hans"):
        chinese = dictionary_choices("customer_source")[:7]
        natures = [label for _code, label in dictionary_choices("company_nature")]
    assert chinese == [
        ("telemarketing", "电话营销"),
        ("online", "网络营销"),
        ("referral", "客户推荐"),
        ("introduction", "关系介绍"),
        ("sub_dealer", "二网介绍"),
        ("exhibition", "展会"),
        ("walk_in", "自然到店"),
    ]
    assert natures == [
        "合资",
        "国企",
        "事业单位",
        "民营",
        "其他",
    ]
    assert dictionary_choices("customer_source")[0] == ("telemarketing", "Telemarketing")
    assert codes("ticket_type") == ["consultation", "suggestion", "complaint", "repair", "visit", "other"]
    for type_code in ["industry", "revenue_band", "employee_band", "credit_rating", "satisfaction",
                      "return_reason", "followup_channel", "customer_feedback", "loss_reason"]:  # fmt: skip
        assert len(codes(type_code)) >= 4, type_code
    assert DictionaryType.objects.get(code="loss_reason").is_system


def test_a_types_label_is_translated_for_the_reader(db: None) -> None:
    with translation.override("en"):
        assert source().label == "Customer source"


def test_syncing_again_brings_back_no_deleted_item_but_adds_a_newly_registered_one(
    w: ConfigWorld, registries: None
) -> None:
    dictionary_item_delete(actor=w.bob, item=item("customer_source", "walk_in"))
    shipped = dictionary._TYPES["customer_source"].items
    register_dictionary_type("customer_source", "Customer source", [*shipped, ("douyin", "抖音")])
    dictionary_sync_defaults()
    dictionary_sync_defaults()
    assert "walk_in" not in codes("customer_source")
    assert codes("customer_source").count("douyin") == 1


def test_choices_leave_out_disabled_items_unless_it_is_the_records_current_value(w: ConfigWorld) -> None:
    dictionary_item_update(actor=w.bob, item=item("customer_source", "exhibition"), is_enabled=False)
    assert "exhibition" not in codes("customer_source")
    kept = [code for code, _label in dictionary_choices("customer_source", include=["exhibition"])]
    assert "exhibition" in kept
    assert dictionary_label("customer_source", "exhibition") == "Exhibition"
    assert dictionary_label("customer_source", "gone") == "gone"


def test_validate_accepts_enabled_items_and_a_records_disabled_current_value(w: ConfigWorld) -> None:
    assert dictionary_validate("industry", "it", field="industry") == "it"
    dictionary_item_update(actor=w.bob, item=item("industry", "it"), is_enabled=False)
    with pytest.raises(DomainError) as refused:
        dictionary_validate("industry", "it", field="industry")
    assert refused.value.field == "industry"
    assert dictionary_validate("industry", "it", field="industry", current="it") == "it"
    with pytest.raises(DomainError):
        dictionary_validate("industry", "no-such", field="industry")


# --- writes -----------------------------------------------------------------------------------------


def test_a_new_item_goes_last_and_is_audited(w: ConfigWorld) -> None:
    created = dictionary_item_create(actor=w.bob, type=source(), label=" 抖音 ", code="Douyin")
    assert (created.code, created.label) == ("douyin", "抖音")
    assert codes("customer_source")[-1] == "douyin"
    [entry] = audit_entries("core.dictionaryitem", object_id=str(created.pk))
    assert entry.action == "create"
    assert entry.actor == w.bob
    assert entry.changes["label"] == [None, "抖音"]


def test_an_item_without_a_code_gets_one_made_up(w: ConfigWorld) -> None:
    created = dictionary_item_create(actor=w.bob, type=source(), label="小红书")
    assert created.code.startswith("item")
    again = dictionary_item_create(actor=w.bob, type=source(), label="微博")
    assert again.code != created.code


@pytest.mark.parametrize(
    ("label", "code", "field"),
    [
        ("展会", "expo", "label"),  # the label is taken
        ("展览", "exhibition", "code"),  # the code is taken
        ("展览", "has space", "code"),
        ("展览", "reorder", "code"),
        ("", "expo", "label"),
        ("长" * 101, "expo", "label"),
    ],
)
def test_it_refuses_a_bad_or_duplicate_item_and_adds_nothing(w: ConfigWorld, label: str, code: str, field: str) -> None:
    before = DictionaryItem.objects.count()
    with pytest.raises(DomainError) as refused:
        dictionary_item_create(actor=w.bob, type=source(), label=label, code=code)
    assert refused.value.field == field
    assert DictionaryItem.objects.count() == before


def test_renaming_keeps_the_code_and_records_before_and_after(w: ConfigWorld) -> None:
    exhibition = item("customer_source", "exhibition")
    dictionary_item_update(actor=w.bob, item=exhibition, label="展会/博览会")
    assert dictionary_label("customer_source", "exhibition") == "展会/博览会"
    [entry] = audit_entries("core.dictionaryitem", object_id=str(exhibition.pk), action="update")
    assert entry.changes == {"label": ["Exhibition", "展会/博览会"]}
    with pytest.raises(DomainError) as refused:
        dictionary_item_update(actor=w.bob, item=exhibition, label="其他")
    assert refused.value.field == "label"
    assert dictionary_label("customer_source", "exhibition") == "展会/博览会"


def test_items_move_up_and_down_and_can_be_reordered_whole(w: ConfigWorld) -> None:
    first, second = codes("company_nature")[:2]
    dictionary_item_move(actor=w.bob, item=item("company_nature", second), direction="up")
    assert codes("company_nature")[:2] == [second, first]
    dictionary_item_move(actor=w.bob, item=item("company_nature", second), direction="up")  # already first
    assert codes("company_nature")[:2] == [second, first]
    dictionary_item_move(actor=w.bob, item=item("company_nature", second), direction="down")
    assert codes("company_nature")[:2] == [first, second]

    wanted = list(reversed(codes("company_nature")))
    dictionary_items_reorder(actor=w.bob, type=DictionaryType.objects.get(code="company_nature"), codes=wanted)
    assert codes("company_nature") == wanted
    assert audit_entries("core.dictionarytype", action="update")[-1].changes["order"][1] == wanted


def test_a_stale_reorder_is_refused_and_changes_nothing(w: ConfigWorld) -> None:
    before = codes("company_nature")
    with pytest.raises(Conflict):
        dictionary_items_reorder(actor=w.bob, type=DictionaryType.objects.get(code="company_nature"), codes=before[:-1])
    assert codes("company_nature") == before


def test_an_unused_item_is_deleted_and_the_deletion_audited(w: ConfigWorld) -> None:
    walk_in = item("customer_source", "walk_in")
    pk = walk_in.pk
    dictionary_item_delete(actor=w.bob, item=walk_in)
    assert "walk_in" not in codes("customer_source")
    [entry] = audit_entries("core.dictionaryitem", object_id=str(pk), action="delete")
    assert entry.changes["code"] == [None, "walk_in"]


def test_an_item_stored_by_a_registered_field_cannot_be_deleted_but_can_be_disabled(
    w: ConfigWorld, registries: None
) -> None:
    languages = dictionary_type_create(actor=w.bob, code="ui_language", name="界面语言")
    english = dictionary_item_create(actor=w.bob, type=languages, label="英语", code="en")
    register_dictionary_usage("ui_language", User, "language")
    User.objects.filter(pk=w.alice.pk).update(language="en")

    with pytest.raises(Conflict) as refused, translation.override("en"):
        dictionary_item_delete(actor=w.bob, item=english)
    assert refused.value.code == "in_use"
    assert "users · language (3)" in str(refused.value.message)  # Alice, Bob and Charlie read English
    assert DictionaryItem.objects.filter(pk=english.pk).exists()

    dictionary_item_update(actor=w.bob, item=english, is_enabled=False)
    assert not DictionaryItem.objects.get(pk=english.pk).is_enabled


def test_an_item_held_in_custom_field_values_cannot_be_deleted(w: ConfigWorld) -> None:
    skills = dictionary_type_create(actor=w.bob, code="skills", name="技能")
    excel = dictionary_item_create(actor=w.bob, type=skills, label="Excel", code="excel")
    unused = dictionary_item_create(actor=w.bob, type=skills, label="Word", code="word")
    custom_field_create(
        actor=w.bob, model="org.user", key="skills", label="技能", type="multi_choice", dictionary_type=skills
    )
    User.objects.filter(pk=w.charlie.pk).update(custom={"skills": ["excel"]})

    with pytest.raises(Conflict) as refused, translation.override("en"):
        dictionary_item_delete(actor=w.bob, item=excel)
    assert "users · 技能 (1)" in str(refused.value.message)
    dictionary_item_delete(actor=w.bob, item=unused)  # "word" is nobody's
    assert codes("skills") == ["excel"]


def test_someone_without_the_configure_permission_changes_nothing(w: ConfigWorld) -> None:
    exhibition = item("customer_source", "exhibition")
    for actor in (w.alice, w.charlie):
        with pytest.raises(NotPermitted):
            dictionary_item_create(actor=actor, type=source(), label="抖音")
        with pytest.raises(NotPermitted):
            dictionary_item_update(actor=actor, item=exhibition, is_enabled=False)
        with pytest.raises(NotPermitted):
            dictionary_item_delete(actor=actor, item=exhibition)
    assert item("customer_source", "exhibition").is_enabled
    assert "抖音" not in dict(dictionary_choices("customer_source")).values()
    assert audit_entries("core.dictionaryitem") == []


# --- pages ------------------------------------------------------------------------------------------


def test_an_admin_adds_an_item_on_the_type_page_and_sees_it(w: ConfigWorld) -> None:
    client = client_for(w.bob)
    url = reverse("core:dictionary_type", args=["customer_source"])
    response = client.post(url, {"label": "抖音", "code": "douyin"})
    assert response.status_code == 302
    page = client.get(url).text
    assert "抖音" in page
    assert 'data-sortable-url="' in page  # drag and drop for those who may change the order


def test_a_bad_item_is_shown_with_a_message_on_its_field(w: ConfigWorld) -> None:
    response = client_for(w.bob).post(
        reverse("core:dictionary_type", args=["customer_source"]), {"label": "展会", "code": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["label"] == ["This type already has an item with that label."]


def test_the_move_toggle_rename_and_delete_buttons_work_without_javascript(w: ConfigWorld) -> None:
    client = client_for(w.bob)
    online = item("customer_source", "online")
    client.post(reverse("core:dictionary_item_move", args=["customer_source", online.pk]), {"direction": "up"})
    assert codes("customer_source")[0] == "online"
    client.post(reverse("core:dictionary_item_toggle", args=["customer_source", online.pk]))
    assert not item("customer_source", "online").is_enabled
    client.post(reverse("core:dictionary_item", args=["customer_source", online.pk]), {"label": "互联网"})
    assert item("customer_source", "online").label == "互联网"
    confirm = client.get(reverse("core:dictionary_item_delete", args=["customer_source", online.pk]))
    assert "No record uses" in confirm.text
    client.post(reverse("core:dictionary_item_delete", args=["customer_source", online.pk]))
    assert not DictionaryItem.objects.filter(pk=online.pk).exists()


def test_drag_and_drop_saves_the_order_or_answers_409_when_stale(w: ConfigWorld) -> None:
    client = client_for(w.bob)
    url = reverse("core:dictionary_reorder", args=["company_nature"])
    wanted = list(reversed(codes("company_nature")))
    assert client.post(url, {"codes": wanted}).status_code == 204
    assert codes("company_nature") == wanted
    stale = client.post(url, {"codes": wanted[:2]})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_order"


def test_a_viewer_sees_the_dictionary_without_buttons_and_is_refused_changes(w: ConfigWorld) -> None:
    client = client_for(w.alice)
    url = reverse("core:dictionary_type", args=["customer_source"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Telemarketing" in page.text
    assert "Add item" not in page.text
    assert "data-sortable-url" not in page.text
    assert client.post(url, {"label": "抖音"}).status_code == 403
    exhibition = item("customer_source", "exhibition")
    assert (
        client.post(reverse("core:dictionary_item_toggle", args=["customer_source", exhibition.pk])).status_code == 403
    )
    assert client.post(reverse("core:dictionary_reorder", args=["customer_source"]), {"codes": []}).status_code == 403
    assert "抖音" not in dict(dictionary_choices("customer_source")).values()
    assert item("customer_source", "exhibition").is_enabled


def test_someone_without_system_view_cannot_open_the_dictionary(w: ConfigWorld) -> None:
    client = client_for(w.charlie)
    assert client.get(reverse("core:dictionary")).status_code == 403
    assert client.get(reverse("core:dictionary_type", args=["industry"])).status_code == 403


def test_the_menu_shows_the_settings_only_to_those_who_may_view_them(w: ConfigWorld) -> None:
    assert reverse("core:dictionary") in client_for(w.alice).get("/").text
    assert reverse("core:dictionary") not in client_for(w.charlie).get("/").text


def test_an_admin_creates_a_type_of_their_own(w: ConfigWorld) -> None:
    client = client_for(w.bob)
    response = client.post(reverse("core:dictionary"), {"name": "车型", "code": "car_model"})
    assert response.status_code == 302
    assert DictionaryType.objects.get(code="car_model").label == "车型"
    duplicate = client.post(reverse("core:dictionary"), {"name": "又一个", "code": "car_model"})
    assert duplicate.context["form"].errors["code"]
    client.post(reverse("core:dictionary_type_rename", args=["car_model"]), {"name": "车系"})
    assert DictionaryType.objects.get(code="car_model").label == "车系"


# --- API --------------------------------------------------------------------------------------------


def test_the_api_lists_a_types_items_in_order_with_stable_codes(w: ConfigWorld) -> None:
    dictionary_item_update(actor=w.bob, item=item("customer_source", "other"), is_enabled=False)
    body = api_for(w.alice).get("/api/v1/dictionary/customer_source/").json()
    assert body["count"] == len(dictionary.dictionary_labels("customer_source"))
    assert body["results"][0] == {
        "code": "telemarketing",
        "label": "Telemarketing",
        "sort_order": 0,
        "is_enabled": True,
    }
    enabled = api_for(w.alice).get("/api/v1/dictionary/customer_source/?enabled=true").json()
    assert "other" not in [row["code"] for row in enabled["results"]]
    types = api_for(w.alice).get("/api/v1/dictionary/?page_size=100").json()
    assert {"code": "industry", "label": "Industry", "is_system": True} in types["results"]


def test_the_api_answers_404_for_an_unknown_type_or_item(w: ConfigWorld) -> None:
    assert api_for(w.alice).get("/api/v1/dictionary/no_such_type/").status_code == 404
    assert api_for(w.alice).get("/api/v1/dictionary/industry/no-such/").status_code == 404


def test_the_api_creates_renames_disables_and_deletes_items(w: ConfigWorld) -> None:
    client = api_for(w.bob)
    created = client.post("/api/v1/dictionary/customer_source/", {"label": "抖音", "code": "douyin"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["code"] == "douyin"
    duplicate = client.post("/api/v1/dictionary/customer_source/", {"label": "抖音"}, format="json")
    assert duplicate.status_code == 409  # a duplicate is a conflict (DESIGN.md §REST API), on its field
    assert duplicate.json()["code"] == "duplicate" and "label" in duplicate.json()

    patched = client.patch("/api/v1/dictionary/customer_source/douyin/", {"label": "抖音短视频", "is_enabled": False})
    assert patched.json() == {"code": "douyin", "label": "抖音短视频", "sort_order": 8, "is_enabled": False}
    assert client.patch("/api/v1/dictionary/customer_source/douyin/", {"code": "tiktok"}).status_code == 400
    assert client.delete("/api/v1/dictionary/customer_source/douyin/").status_code == 204
    assert not DictionaryItem.objects.filter(code="douyin").exists()


def test_the_api_refuses_to_delete_an_item_in_use_with_409(w: ConfigWorld) -> None:
    skills = dictionary_type_create(actor=w.bob, code="skills", name="技能")
    dictionary_item_create(actor=w.bob, type=skills, label="Excel", code="excel")
    custom_field_create(actor=w.bob, model="org.user", key="skill", label="技能", type="choice", dictionary_type=skills)
    User.objects.filter(pk=w.charlie.pk).update(custom={"skill": "excel"})
    response = api_for(w.bob).delete("/api/v1/dictionary/skills/excel/")
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert DictionaryItem.objects.filter(code="excel").exists()


def test_the_api_reorders_a_type(w: ConfigWorld) -> None:
    wanted = list(reversed(codes("company_nature")))
    response = api_for(w.bob).post("/api/v1/dictionary/company_nature/reorder/", {"codes": wanted}, format="json")
    assert response.status_code == 204
    assert codes("company_nature") == wanted


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_the_api_refuses_changes_without_the_configure_permission(w: ConfigWorld, who: str) -> None:
    client = api_for(getattr(w, who))
    assert client.post("/api/v1/dictionary/industry/", {"label": "农业"}, format="json").status_code == 403
    assert client.patch("/api/v1/dictionary/industry/it/", {"is_enabled": False}, format="json").status_code == 403
    assert client.delete("/api/v1/dictionary/industry/other/").status_code == 403
    assert item("industry", "it").is_enabled
    assert DictionaryItem.objects.filter(type__code="industry", code="other").exists()
    assert "农业" not in dict(dictionary_choices("industry")).values()


def test_the_api_needs_system_view_to_read_the_dictionary(w: ConfigWorld) -> None:
    assert api_for(w.charlie).get("/api/v1/dictionary/industry/").status_code == 403
