"""The global search box: each app registers a provider that searches its records for the actor."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Hit:
    title: str
    subtitle: str
    url: str


@dataclass(frozen=True)
class Provider:
    label: str | Promise
    search: Callable[..., list[Hit]]  # (*, actor, query, limit) -> hits the actor may see


_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    _PROVIDERS.append(provider)


def search_all(*, actor: object, query: str, limit: int = 10) -> list[tuple[Provider, list[Hit]]]:
    """Every provider's hits, in registration order; providers with nothing found are left out."""
    query = query.strip()
    if not query:
        return []
    found = ((provider, provider.search(actor=actor, query=query, limit=limit)) for provider in _PROVIDERS)
    return [(provider, hits) for provider, hits in found if hits]
