"""Shipped roles (SPEC §15): their names and descriptions read in the reader's language until a person
renames them, and saving the edit form unchanged keeps them shipped."""

from typing import Any

from django.urls import reverse
from rest_framework.test import APIClient

from guanxi.org.models import Role
from tests.conftest import World, client_for

LIST = reverse("org:roles")


def edit_form(world: World, role: Role, language: str) -> tuple[Any, str]:
    client = client_for(world.root, HTTP_ACCEPT_LANGUAGE=language)
    return client, reverse("org:role_edit", args=[role.pk])


def posted(form: Any, **changes: str) -> dict[str, Any]:
    """The form as the page rendered it, sent back with these changes."""
    data = {name: form[name].value() for name in ("name", "code", "description", "data_scope")}
    return {**data, "permissions": form["permissions"].value(), **changes}


def test_a_shipped_role_reads_in_the_readers_language_in_the_list_the_form_and_the_api(world: World) -> None:
    role = Role.objects.get(code="group_management")
    chinese = client_for(world.root, HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = chinese.get(LIST).text
    assert "集团管理层" in page and "Group management" not in page
    assert "Sees every business unit" not in page  # the description too
    form = chinese.get(reverse("org:role_edit", args=[role.pk])).context["form"]
    assert form["name"].value() == "集团管理层"
    assert "Group management" in client_for(world.root, HTTP_ACCEPT_LANGUAGE="en").get(LIST).text
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(world.root)
    assert api.get(f"/api/v1/roles/{role.pk}/").json()["name"] == "集团管理层"


def test_saving_a_shipped_role_unchanged_keeps_it_translated_and_a_rename_sticks(world: World) -> None:
    role = Role.objects.get(code="group_management")
    client, url = edit_form(world, role, "zh-hans")
    form = client.get(url).context["form"]
    assert client.post(url, posted(form, data_scope="unit")).status_code == 302
    saved = Role.objects.get(pk=role.pk)
    assert saved.data_scope == "unit"
    assert (saved.name, saved.description) == (role.name, role.description)  # not overwritten in Chinese
    assert "Group management" in client_for(world.root, HTTP_ACCEPT_LANGUAGE="en").get(LIST).text

    form = client.get(url).context["form"]
    assert client.post(url, posted(form, name="集团高管")).status_code == 302
    assert "集团高管" in client_for(world.root, HTTP_ACCEPT_LANGUAGE="en").get(LIST).text  # a person's name stays
