from decimal import Decimal

from django.urls import reverse

from tests.conftest import PASSWORD, World, client_for, grant
from tests.sales.conftest import open_opportunity


def test_a_user_edits_their_profile(world: World) -> None:
    client = client_for(world.alice)
    response = client.post(
        reverse("org:profile"),
        {"display_name": "李爱丽", "mobile": "13900001111", "email": "alice@example.cn", "language": "en"},
    )
    assert response.status_code == 302
    world.alice.refresh_from_db()
    assert (world.alice.mobile, world.alice.email, world.alice.language) == (
        "13900001111",
        "alice@example.cn",
        "en",
    )


def test_a_bad_email_is_refused_on_its_field_and_nothing_is_saved(world: World) -> None:
    client = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="zh-CN")
    response = client.post(
        reverse("org:profile"), {"display_name": "", "mobile": "1", "email": "not-an-email", "language": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"display_name", "email"}
    assert "请输入合法的邮件地址。" in response.text
    world.alice.refresh_from_db()
    assert world.alice.display_name == "李爱丽"


def test_a_password_change_needs_the_old_password(world: World) -> None:
    client = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="en")
    data = {"old_password": "wrong", "new_password1": "Brand-New-77", "new_password2": "Brand-New-77"}
    response = client.post(reverse("org:password"), data)
    assert response.context["form"].errors == {"old_password": ["Your old password was entered incorrectly."]}
    world.alice.refresh_from_db()
    assert world.alice.check_password(PASSWORD)


def test_a_weak_or_mismatched_new_password_is_refused(world: World) -> None:
    client = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="en")
    weak = {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    assert "new_password1" in client.post(reverse("org:password"), weak).context["form"].errors
    mismatch = {"old_password": PASSWORD, "new_password1": "Brand-New-77", "new_password2": "Brand-New-78"}
    assert "new_password2" in client.post(reverse("org:password"), mismatch).context["form"].errors


def test_a_password_change_keeps_the_user_signed_in(world: World) -> None:
    client = client_for(world.alice)
    data = {"old_password": PASSWORD, "new_password1": "Brand-New-77", "new_password2": "Brand-New-77"}
    assert client.post(reverse("org:password"), data).status_code == 302
    world.alice.refresh_from_db()
    assert world.alice.check_password("Brand-New-77")
    assert client.get("/").status_code == 200


def test_a_colleagues_card_shows_their_reports(world: World) -> None:
    response = client_for(world.charlie).get(reverse("org:user_detail", args=[world.bob.pk]))
    assert response.status_code == 200
    assert world.alice.display_name in response.text


def test_a_departed_colleague_has_no_card(world: World) -> None:
    world.bob.status = world.bob.Status.LEFT
    world.bob.save()
    assert client_for(world.alice).get(reverse("org:user_detail", args=[world.bob.pk])).status_code == 404


def test_a_user_who_chose_wan_reads_large_amounts_in_wan_in_the_chinese_interface(world: World) -> None:
    grant(world.alice, "salesperson")
    open_opportunity(world.alice, amount=Decimal("128000"))
    client = client_for(world.alice)
    profile = {"display_name": "李爱丽", "mobile": "", "email": "", "language": "zh-hans"}
    list_url = reverse("sales:list")
    assert "¥128,000.00" in client.get(list_url).text

    assert client.post(reverse("org:profile"), {**profile, "amounts_in_wan": "on"}).status_code == 302
    page = client.get(list_url).text
    assert "¥12.80万" in page and "¥128,000.00" not in page

    client.post(reverse("org:profile"), {**profile, "language": "en"})
    world.alice.refresh_from_db()
    assert world.alice.amounts_in_wan is False  # an unticked box turns it off
    assert "CN¥128,000.00" in client.get(list_url).text
