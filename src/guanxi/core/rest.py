"""DRF plumbing named in settings: pagination and the error format of the API contract.
(Kept apart from core.api, which imports DRF's views: settings load this while DRF itself loads.)"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import pagination, parsers
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import STATUS_OF_CODE, DomainError
from .paginator import EstimatingPaginator


class Pagination(pagination.PageNumberPagination):
    """Pages of 25; past a hundred thousand rows ``count`` is PostgreSQL's estimate, and the answer says so
    with ``count_estimated`` (see core.paginator.EstimatingPaginator)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class: type[Paginator] = EstimatingPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        if getattr(getattr(self.page, "paginator", None), "estimated", False):
            response.data["count_estimated"] = True
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count_estimated"] = {
            "type": "boolean",
            "description": "Present (true) when ``count`` is the database's estimate of a very large total.",
        }
        return described


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, building the FilterSet of a view's ``filterset_fields`` once per view class and
    model rather than on every request (a class with a filter per field, its metaclass walking the model), and
    leaving it out when the request names none of its filters: its form would validate a dozen empty fields
    to filter nothing. Together about 2 ms of a customers API page."""

    _built: dict[tuple[type, type, tuple[str, ...]], Any] = {}

    def get_filterset_class(self, view: Any, queryset: Any = None) -> Any:
        fields = getattr(view, "filterset_fields", None)
        if getattr(view, "filterset_class", None) or not fields or queryset is None:
            return super().get_filterset_class(view, queryset)
        key = (type(view), queryset.model, tuple(fields))
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = super().get_filterset_class(view, queryset)
        return built

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if getattr(view, "filterset_fields", None) and not getattr(view, "filterset_class", None):
            names = self.get_filterset_class(view, queryset).base_filters
            if not any(name in request.query_params for name in names):
                return queryset  # its filters skip an absent value one by one
        return super().filter_queryset(request, queryset, view)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than Python's recursion limit with 400, not 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain errors become 400/403/409 with a code; a field error is keyed by its field."""
    body: dict[str, Any]
    if isinstance(exc, DomainError):
        if exc.field:
            body = {exc.field: [str(exc.message)], "code": exc.code}
        else:
            body = {"detail": str(exc.message), "code": exc.code}
        return Response(body, status=exc.status)
    if isinstance(exc, ValidationError):  # a model's full_clean() inside a service
        if hasattr(exc, "error_dict"):
            return Response(exc.message_dict, status=400)
        return Response({"detail": " ".join(exc.messages), "code": "invalid"}, status=400)
    return drf_exception_handler(exc, context)


def document_refusals(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Schema post-processing hook: the API description lists the status of every refusal code."""
    by_status = sorted(STATUS_OF_CODE.items(), key=lambda item: (item[1], item[0]))
    rows = "\n".join(f"| `{code}` | {status} |" for code, status in by_status)
    result["info"]["description"] = (
        'Errors: 400 `{"field": ["message"]}` or `{"detail": "...", "code": "..."}`; 401 without '
        'credentials; 404 for what you may not see. A refused rule answers `{"detail", "code"}` with the '
        "status of its code below; any other code is 400.\n\n| code | status |\n| --- | --- |\n" + rows
    )
    return result
