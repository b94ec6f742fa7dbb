from typing import Any

import pytest
from django.http import Http404

from guanxi.core.api import ScopedViewSet
from guanxi.core.permissions import grants_of, has_perm
from guanxi.core.scope import Scope, get_visible_or_404
from guanxi.org.models import Department, Role, Team, User
from tests.conftest import World, grant, make_department, make_user


def visible_names(actor: User) -> set[str]:
    return set(User.objects.visible_to(actor).values_list("username", flat=True))


def role_with_scope(code: str, scope: Scope) -> Role:
    return Role.objects.create(name=code, code=code, permissions=["org.view"], data_scope=scope)


def test_without_a_role_a_user_sees_no_records(world: World) -> None:
    assert visible_names(world.alice) == set()
    assert not has_perm(world.alice, "org.view")


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (Scope.OWN, {"alice"}),
        (Scope.DEPARTMENT, {"alice", "bob"}),
        (Scope.DEPARTMENT_TREE, {"alice", "bob"}),
        (Scope.UNIT, {"alice", "bob", "charlie", "root"}),
        (Scope.ALL, {"alice", "bob", "charlie", "root", "outsider"}),
    ],
)
def test_each_scope_shows_exactly_its_rows(world: World, scope: Scope, expected: set[str]) -> None:
    other_unit = make_department("别的公司", None, world.unit.__class__.objects.create(name="别的", code="other"))
    make_user("outsider", "外人", other_unit)
    world.alice.roles.set([role_with_scope("r", scope)])
    assert visible_names(world.alice) == expected


def test_department_tree_reaches_every_level_below(world: World) -> None:
    pudong = make_department("浦东", world.shanghai)
    make_user("dave", "戴夫", pudong)
    world.bob.roles.set([role_with_scope("manager", Scope.DEPARTMENT_TREE)])
    assert visible_names(world.bob) == {"alice", "bob", "dave"}
    world.bob.__dict__.pop("_grants", None)
    world.bob.roles.set([role_with_scope("narrow", Scope.DEPARTMENT)])
    assert visible_names(world.bob) == {"alice", "bob"}


def test_team_scope_shows_teammates_across_departments(world: World) -> None:
    team = Team.objects.create(business_unit=world.unit, name="大客户组")
    team.members.set([world.alice, world.charlie])
    world.alice.roles.set([role_with_scope("team", Scope.TEAM)])
    assert visible_names(world.alice) == {"alice", "charlie"}


def test_the_widest_scope_of_several_roles_wins(world: World) -> None:
    world.alice.roles.set([role_with_scope("own", Scope.OWN), role_with_scope("unit", Scope.UNIT)])
    assert grants_of(world.alice).scope("org") == Scope.UNIT
    assert "charlie" in visible_names(world.alice)


def test_a_frozen_user_has_no_grants(world: World) -> None:
    grant(world.alice, "system_admin")
    User.objects.filter(pk=world.alice.pk).update(status=User.Status.FROZEN)
    alice = User.objects.get(pk=world.alice.pk)
    assert not has_perm(alice, "org.view")
    assert not User.objects.visible_to(alice).exists()


def test_an_object_out_of_scope_answers_404_like_a_missing_one(world: World) -> None:
    grant(world.alice, "salesperson")
    world.alice.roles.add(role_with_scope("own", Scope.OWN))
    assert get_visible_or_404(User.objects.all(), world.alice, pk=world.alice.pk) == world.alice
    with pytest.raises(Http404):
        get_visible_or_404(User.objects.all(), world.alice, pk=world.charlie.pk)
    with pytest.raises(Http404):
        get_visible_or_404(User.objects.all(), world.alice, pk=999999)


def test_departments_are_scoped_by_their_own_tree(world: World) -> None:
    world.bob.roles.set([role_with_scope("tree", Scope.DEPARTMENT_TREE)])
    assert set(Department.objects.visible_to(world.bob)) == {world.shanghai}


def test_an_api_view_may_not_bypass_the_gate() -> None:
    with pytest.raises(TypeError, match="may not override get_queryset"):

        class Sneaky(ScopedViewSet):
            def get_queryset(self) -> Any:
                return User.objects.all()
