from django.urls import reverse

from guanxi.org.models import Department, User
from tests.conftest import World, client_for, grant


def test_admin_pages_render_for_an_administrator(world: World) -> None:
    client = client_for(grant(world.bob, "unit_admin"), HTTP_ACCEPT_LANGUAGE="en")
    for name, args in [
        ("org:users", []),
        ("org:user_create", []),
        ("org:user_admin", [world.alice.pk]),
        ("org:user_edit", [world.alice.pk]),
        ("org:user_leave", [world.alice.pk]),
        ("org:departments", []),
        ("org:department_create", []),
        ("org:department_edit", [world.beijing.pk]),
        ("org:teams", []),
        ("org:team_create", []),
        ("org:roles", []),
        ("org:role_create", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name


def test_a_salesperson_is_refused_the_admin_pages_and_sees_no_admin_menu(world: World) -> None:
    client = client_for(grant(world.alice, "salesperson"))
    assert client.get(reverse("org:users")).status_code == 403
    assert client.post(reverse("org:user_freeze", args=[world.bob.pk])).status_code == 403
    assert User.objects.get(pk=world.bob.pk).status == User.Status.ACTIVE
    assert reverse("org:users") not in client.get("/").text


def test_the_user_list_filters_and_paginates(world: World) -> None:
    client = client_for(grant(world.bob, "unit_admin"), HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(reverse("org:users"), {"department": world.beijing.pk})
    assert [user.username for user in response.context["page_obj"]] == ["charlie"]
    response = client.get(reverse("org:users"), {"q": "nobody"})
    assert "No users match these filters" in response.text


def test_creating_a_user_shows_field_errors_and_saves_nothing(world: World) -> None:
    client = client_for(grant(world.bob, "unit_admin"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    response = client.post(reverse("org:user_create"), {"username": "有空格 的", "display_name": "", "password": "1"})
    assert response.status_code == 200
    assert {"username", "display_name"} <= response.context["form"].errors.keys()
    assert "只能使用字母" in response.text or "字母" in response.text
    assert not User.objects.filter(display_name="").exists()


def test_deleting_a_department_with_people_shows_why(world: World) -> None:
    client = client_for(grant(world.bob, "unit_admin"), HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("org:department_delete", args=[world.beijing.pk]), follow=True)
    assert "still has 1 people" in response.text
    assert Department.objects.filter(pk=world.beijing.pk).exists()


def test_moving_a_department_under_itself_is_refused_on_the_field(world: World) -> None:
    client = client_for(grant(world.bob, "unit_admin"), HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("org:department_move", args=[world.head_office.pk]), {"parent": world.shanghai.pk})
    assert response.status_code == 400
    assert response.context["move_form"].errors["parent"]


def test_freeze_and_leave_from_the_user_page(world: World) -> None:
    client = client_for(grant(world.bob, "unit_admin"))
    client.post(reverse("org:user_freeze", args=[world.charlie.pk]))
    assert User.objects.get(pk=world.charlie.pk).status == User.Status.FROZEN
    client.post(reverse("org:user_freeze", args=[world.charlie.pk]), {"unfreeze": "1"})
    assert User.objects.get(pk=world.charlie.pk).status == User.Status.ACTIVE
    response = client.post(reverse("org:user_leave", args=[world.charlie.pk]), {"successor": world.alice.pk})
    assert response.status_code == 302
    assert User.objects.get(pk=world.charlie.pk).status == User.Status.LEFT


def test_the_business_unit_menu_appears_only_with_several_units(world: World) -> None:
    client = client_for(world.root)
    assert reverse("org:units") not in client.get("/").text.split("sidebar-menu")[1].split("</aside>")[0]
    world.unit.__class__.objects.create(name="第二版块", code="second")
    assert reverse("org:units") in client.get("/").text


def test_custom_fields_show_as_list_columns_and_filter_the_list(world: World) -> None:
    from guanxi.core.models import CustomField

    CustomField.objects.create(model="org.user", key="badge", label="工号", type="text", show_in_list=True)
    User.objects.filter(pk=world.alice.pk).update(custom={"badge": "A-007"})
    client = client_for(grant(world.bob, "unit_admin"))
    page = client.get(reverse("org:users"))
    assert "工号" in page.text and "A-007" in page.text
    filtered = client.get(reverse("org:users"), {"custom.badge": "A-007"})
    assert [user.username for user in filtered.context["page_obj"]] == ["alice"]
