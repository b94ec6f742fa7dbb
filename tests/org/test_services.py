import pytest
from rest_framework.authtoken.models import Token

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.org import services
from guanxi.org.models import Department, Role, Team, User
from tests.conftest import World, grant, make_user


@pytest.fixture
def admin(world: World) -> User:
    """Bob administers the unit."""
    return grant(world.bob, "unit_admin")


def entries(obj: object, action: str) -> int:
    return AuditEntry.objects.filter(object_id=str(obj.pk), action=action).count()  # type: ignore[attr-defined]


def test_a_department_is_created_under_its_parent_with_its_path(world: World, admin: User) -> None:
    pudong = services.department_create(actor=admin, name="浦东", parent=world.shanghai)
    assert pudong.path == f"{world.shanghai.path}{pudong.pk}/"
    assert pudong.business_unit == world.unit
    assert entries(pudong, "create") == 1


def test_moving_a_department_moves_its_whole_subtree(world: World, admin: User) -> None:
    pudong = services.department_create(actor=admin, name="浦东", parent=world.shanghai)
    lujiazui = services.department_create(actor=admin, name="陆家嘴", parent=pudong)
    services.department_move(actor=admin, department=pudong, parent=world.beijing)
    lujiazui.refresh_from_db()
    assert lujiazui.path == f"{world.beijing.path}{pudong.pk}/{lujiazui.pk}/"
    assert Department.objects.get(pk=pudong.pk).parent == world.beijing


def test_a_cycle_in_the_department_tree_is_refused(world: World, admin: User) -> None:
    pudong = services.department_create(actor=admin, name="浦东", parent=world.shanghai)
    for target in (world.shanghai, pudong):
        with pytest.raises(DomainError, match="cannot move under itself") as refusal:
            services.department_move(actor=admin, department=world.shanghai, parent=target)
        assert refusal.value.field == "parent"
    world.shanghai.refresh_from_db()
    assert world.shanghai.parent == world.head_office


def test_deleting_a_department_with_people_or_children_is_refused(world: World, admin: User) -> None:
    with pytest.raises(DomainError, match="still has 2 people"):
        services.department_delete(actor=admin, department=world.shanghai)
    with pytest.raises(DomainError, match="sub-departments"):
        services.department_delete(actor=admin, department=world.head_office)
    empty = services.department_create(actor=admin, name="空部门", parent=world.head_office)
    pk = empty.pk
    services.department_delete(actor=admin, department=empty)
    assert not Department.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(object_id=str(pk), action="delete").count() == 1


def test_a_user_is_created_with_validated_fields(world: World, admin: User) -> None:
    user = services.user_create(
        actor=admin,
        username="dave",
        display_name="戴夫",
        password="Strong-Pass-2026",
        department=world.beijing,
    )
    assert user.check_password("Strong-Pass-2026")
    assert user.manager is None  # Beijing has no lead yet
    with pytest.raises(Exception, match="already exists"):
        services.user_create(actor=admin, username="DAVE", display_name="x", password="Strong-Pass-2026")
    with pytest.raises(DomainError) as weak:
        services.user_create(actor=admin, username="erin", display_name="艾琳", password="123")
    assert weak.value.field == "password"
    assert not User.objects.filter(username="erin").exists()


def test_a_salesperson_cannot_manage_users(world: World) -> None:
    grant(world.alice, "salesperson")
    with pytest.raises(NotPermitted):
        services.user_create(actor=world.alice, username="x", display_name="x", password="Strong-Pass-2026")
    with pytest.raises(NotPermitted):
        services.user_freeze(actor=world.alice, user=world.bob)


def test_nobody_raises_their_own_permissions(world: World, admin: User) -> None:
    system_admin = Role.objects.get(code="system_admin")
    with pytest.raises(NotPermitted, match="your own roles"):
        services.user_set_roles(actor=admin, user=admin, roles=[system_admin])
    with pytest.raises(DomainError, match="allows more than you may do"):
        services.user_set_roles(actor=admin, user=world.alice, roles=[system_admin])
    unit_admin = Role.objects.get(code="unit_admin")
    with pytest.raises(NotPermitted, match="role you hold"):
        services.role_save(
            actor=admin,
            role=unit_admin,
            name="Unit admin",
            code="unit_admin",
            description="",
            permissions=unit_admin.permissions,
            data_scope="all",
            require_two_factor=False,
        )
    assert set(admin.roles.values_list("code", flat=True)) == {"unit_admin"}


def test_granting_roles_is_audited_as_a_permission_change(world: World, admin: User) -> None:
    services.user_set_roles(actor=admin, user=world.alice, roles=[Role.objects.get(code="salesperson")])
    entry = AuditEntry.objects.get(action="permission", object_id=str(world.alice.pk))
    assert entry.changes == {"roles": [[], ["salesperson"]]}
    assert entry.actor == admin


def test_the_last_system_administrator_cannot_be_frozen_or_leave(world: World) -> None:
    grant(world.bob, "system_admin")
    User.objects.filter(pk=world.root.pk).update(is_superuser=False)
    with pytest.raises(DomainError, match="last system administrator"):
        services.user_freeze(actor=world.root, user=world.bob)
    with pytest.raises(DomainError, match="last system administrator"):
        services.user_leave(actor=world.root, user=world.bob, successor=world.alice)
    world.bob.refresh_from_db()
    assert world.bob.status == User.Status.ACTIVE


def test_freezing_ends_api_tokens_at_once_and_unfreezing_restores_sign_in(world: World, admin: User) -> None:
    Token.objects.create(user=world.alice)
    services.user_freeze(actor=admin, user=world.alice)
    assert not Token.objects.filter(user=world.alice).exists()
    assert not User.objects.get(pk=world.alice.pk).is_active
    with pytest.raises(DomainError, match="Only an active user"):
        services.user_freeze(actor=admin, user=world.alice)
    services.user_unfreeze(actor=admin, user=world.alice)
    assert User.objects.get(pk=world.alice.pk).is_active
    assert entries(world.alice, "update") == 2


def test_leaving_hands_everything_over_and_leaves_the_user_owning_nothing(world: World, admin: User) -> None:
    team = Team.objects.create(business_unit=world.unit, name="攻坚组", lead=world.bob)
    world.shanghai.lead = world.bob
    world.shanghai.save()
    root = grant(world.root, "system_admin")
    with pytest.raises(DomainError) as no_successor:
        services.user_leave(actor=root, user=world.bob, successor=None)
    assert no_successor.value.field == "successor"

    services.user_leave(actor=root, user=world.bob, successor=world.charlie)

    world.bob.refresh_from_db()
    assert world.bob.status == User.Status.LEFT
    assert Team.objects.get(pk=team.pk).lead == world.charlie
    assert Department.objects.get(pk=world.shanghai.pk).lead == world.charlie
    assert User.objects.get(pk=world.alice.pk).manager == world.charlie
    assert all(count == 0 for _kind, count in services.handover_summary(user=world.bob))
    assert AuditEntry.objects.filter(action="ownership", object_id=str(world.bob.pk)).exists()


def test_a_role_in_use_or_a_default_role_cannot_be_deleted(world: World) -> None:
    root = world.root
    with pytest.raises(DomainError, match="Default roles"):
        services.role_delete(actor=root, role=Role.objects.get(code="salesperson"))
    custom = services.role_save(
        actor=root,
        role=None,
        name="Auditor",
        code="auditor",
        description="",
        permissions=["audit.view"],
        data_scope="unit",
        require_two_factor=True,
    )
    world.alice.roles.add(custom)
    with pytest.raises(DomainError, match="1 people hold this role"):
        services.role_delete(actor=root, role=custom)
    world.alice.roles.clear()
    services.role_delete(actor=root, role=custom)
    assert not Role.objects.filter(code="auditor").exists()


def test_unknown_permission_codes_are_refused(world: World) -> None:
    with pytest.raises(DomainError, match=r"Unknown permissions: nope\.view") as refusal:
        services.role_save(
            actor=world.root,
            role=None,
            name="x",
            code="x",
            description="",
            permissions=["nope.view"],
            data_scope="own",
            require_two_factor=False,
        )
    assert refusal.value.field == "permissions"


def test_a_department_scoped_admin_cannot_reach_outside_their_tree(world: World) -> None:
    manager = Role.objects.create(
        name="Branch admin",
        code="branch",
        permissions=["org.view", "org.edit", "org.create"],
        data_scope="department_tree",
    )
    world.bob.roles.set([manager])
    with pytest.raises(NotPermitted, match="outside your data scope"):
        services.user_freeze(actor=world.bob, user=world.charlie)
    with pytest.raises(DomainError, match="within your data scope"):
        services.department_create(actor=world.bob, name="越界", parent=world.beijing)
    outsider = make_user("eve", "伊芙", world.beijing)
    with pytest.raises(NotPermitted):
        services.user_update(actor=world.bob, user=outsider, display_name="改名")
    assert User.objects.get(pk=outsider.pk).display_name == "伊芙"


def test_default_roles_gain_a_new_module_once(db: None) -> None:
    from guanxi.core import permissions

    permissions.register_module(permissions.Module("widgets", "Widgets", ("view", "create", "delete")))
    try:
        services.roles_sync_defaults()
        salesperson = Role.objects.get(code="salesperson")
        assert {"widgets.view", "widgets.create"} <= set(salesperson.permissions)
        assert "widgets.delete" not in salesperson.permissions
        salesperson.permissions.remove("widgets.create")
        salesperson.save()
        services.roles_sync_defaults()
        assert "widgets.create" not in Role.objects.get(code="salesperson").permissions
    finally:
        permissions.MODULES.pop("widgets")
