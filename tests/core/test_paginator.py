from guanxi.core.paginator import CappedPaginator
from guanxi.org.models import User
from tests.conftest import World, make_user


def test_pages_keep_the_order_and_the_count_is_capped(world: World) -> None:
    for index in range(7):
        make_user(f"user{index}", f"用户{index}", world.beijing)
    users = User.objects.order_by("username")
    expected = list(users.values_list("username", flat=True))
    paginator = CappedPaginator(users, 3)
    paged = [user.username for number in paginator.page_range for user in paginator.page(number)]
    assert paged == expected
    assert not paginator.capped

    class Tiny(CappedPaginator):
        cap = 5

    tiny = Tiny(users, 3)
    assert (tiny.count, tiny.capped, tiny.num_pages) == (5, True, 2)
