from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from guanxi.org.demo import DEMO_PASSWORD
from guanxi.org.models import Department, Role, TwoFactor, User
from tests.org.test_security import sign_in, signed_in


def test_the_demo_company_loads_once_however_often_it_runs(demo: str, db: None) -> None:
    counts = (User.objects.count(), Department.objects.count())
    out = StringIO()
    call_command("demo", stdout=out)
    assert (User.objects.count(), Department.objects.count()) == counts
    assert "0 people added" in out.getvalue()
    assert "sales1" in out.getvalue()


def test_the_demo_company_has_a_four_level_tree_and_a_dozen_people(demo: str, db: None) -> None:
    deepest = Department.objects.get(name="上海一部")
    depth = 1
    while deepest.parent is not None:
        deepest, depth = deepest.parent, depth + 1
    assert depth == 4
    assert User.objects.count() >= 12
    assert User.objects.filter(is_superuser=True).count() == 1
    # a channel partner's people have no department; the switchboards' integration accounts no mobile
    people = User.objects.filter(partner_membership__isnull=True).exclude(username__endswith="pbx")
    assert all(user.mobile and user.department for user in people)
    assert all(user.department for user in User.objects.filter(username__endswith="pbx"))


def test_the_demo_company_signs_in_with_the_password_alone(demo: str, db: None) -> None:
    assert not TwoFactor.objects.exists()
    assert not Role.objects.filter(require_two_factor=True).exists()
    client, response = sign_in("sales1", DEMO_PASSWORD)
    assert response["Location"] == reverse("core:home")
    assert signed_in(client)
