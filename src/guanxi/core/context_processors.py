from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .navigation import items_for
from .shell import parts_for


def shell(request: HttpRequest) -> dict[str, object]:
    """What the page shell needs on every page: the navigation and the product name."""
    return {
        # Lazy: an htmx fragment that shows no menu does not count its badges.
        "navigation": SimpleLazyObject(lambda: items_for(request)) if request.user.is_authenticated else [],
        "site_name": "Guanxi",
        "shell_parts": SimpleLazyObject(lambda: parts_for(request)),
    }
