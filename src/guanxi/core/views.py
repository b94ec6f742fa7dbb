from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from huey.contrib.djhuey import HUEY

from . import dashboard
from . import search as global_search
from .http import AuthedRequest
from .replica import reads_replica, replica_status


@login_required
@reads_replica
def home(request: AuthedRequest) -> HttpResponse:
    return render(request, "core/home.html", {"panels": dashboard.panels_for(request)})


@login_required
def search(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    results = global_search.search_all(actor=request.user, query=query)
    return render(request, "core/search.html", {"query": query, "results": results})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """What this web node can reach. 503 (take the node out of the load balancer) only when the primary database
    does not answer: without Redis or the replica the site keeps serving, ``degraded``, and each part says what
    that means (docs/scaling.md)."""
    replica = replica_status(fresh=True)
    checks = {
        "database": _check(_ping_database),
        "queue": _check(HUEY.pending_count, "background jobs wait; the sweeps catch up once it is back"),
        "cache": _check(_ping_cache, "pages compute without it; sessions are read from the database"),
        "replica": replica.describe(),
    }
    if checks["database"] != "ok":
        status = "error"
    elif checks["queue"] == checks["cache"] == "ok" and replica.state in ("ok", "absent"):
        status = "ok"
    else:
        status = "degraded"
    return JsonResponse({"status": status, **checks}, status=503 if status == "error" else 200)


def _ping_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _ping_cache() -> None:
    client = getattr(cache, "client", None)  # django-redis; the local memory cache needs no check
    if client is not None:
        client.get_client(write=True).ping()


def _check(probe: object, meaning: str = "") -> str:
    try:
        probe()  # type: ignore[operator]
    except Exception as error:  # any failure means "not reachable"; the message says why
        return f"error: {error.__class__.__name__}" + (f" ({meaning})" if meaning else "")
    return "ok"


# Error pages: under /api/ the contract's JSON, whatever the path; elsewhere Django's pages (templates/40x.html).
def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("A server error occurred."), "code": "server_error"}, status=500)
    return defaults.server_error(request)


def register() -> None:
    """The dashboard's menu entry and the administration's: audit log, dictionary, parameters, custom fields."""
    from django.utils.translation import gettext_lazy

    from . import navigation

    administration = gettext_lazy("Administration")
    navigation.register(navigation.NavItem(gettext_lazy("Dashboard"), "core:home", "dashboard", order=0))
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Audit log"),
            "core:audit",
            "history",
            order=970,
            visible=navigation.needs("audit.view"),
            section=administration,
        )
    )
    for label, url_name, icon, order in [
        (gettext_lazy("Data dictionary"), "core:dictionary", "list-details", 980),
        (gettext_lazy("Parameters"), "core:parameters", "adjustments", 981),
        (gettext_lazy("Custom fields"), "core:custom_field_types", "forms", 982),
    ]:
        navigation.register(
            navigation.NavItem(label, url_name, icon, order, navigation.needs("system.view"), administration)
        )
