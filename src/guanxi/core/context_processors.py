from django.http import HttpRequest

from .navigation import items_for


def shell(request: HttpRequest) -> dict[str, object]:
    """What the page shell needs on every page: the navigation and the product name."""
    return {
        "navigation": items_for(request) if request.user.is_authenticated else [],
        "site_name": "Guanxi",
    }
