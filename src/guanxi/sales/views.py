from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guanxi.core.permissions import perm_required
from guanxi.core.scope import get_visible_or_404

from .models import Opportunity


@perm_required("opportunities.view")
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = get_visible_or_404(Opportunity.objects.select_related("customer", "stage"), request.user, pk=pk)
    return render(request, "sales/opportunity_detail.html", {"opportunity": opportunity})
