"""The operations dashboard (/ops/, staff only) and the Prometheus exposition (/metrics)."""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from apps.monitoring import access, controls, dashboard
from apps.monitoring.forms import FaultClearForm, FaultForm, MaintenanceForm
from apps.monitoring.health_views import non_atomic
from apps.monitoring.prometheus import build_registry

logger = logging.getLogger(__name__)


def _page(request, *, status: int = 200, **forms):
    context = dashboard.snapshot()
    context["maintenance_form"] = forms.get("maintenance_form") or MaintenanceForm()
    context["fault_form"] = forms.get("fault_form") or FaultForm()
    context["fault_injection_allowed"] = controls.fault_injection_allowed()
    context["active_faults"] = controls.active_fault_list()
    return render(request, "monitoring/ops.html", context, status=status)


@require_GET
def ops(request):
    access.require_staff(request)
    return _page(request)


@require_GET
def ops_live(request):
    """Return the live part of the dashboard, for htmx polling."""
    access.require_staff(request)
    return render(request, "monitoring/_live.html", dashboard.snapshot())


@require_POST
def ops_maintenance(request):
    access.require_staff(request)
    form = MaintenanceForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, maintenance_form=form)
    error = controls.maintenance_apply(
        module=form.cleaned_data["module"],
        action=form.cleaned_data["action"],
        reason=form.cleaned_data["reason"],
        actor=request.user,
    )
    if error:
        form.add_error(None, error)
        return _page(request, status=400, maintenance_form=form)
    messages.success(request, _("Maintenance switch changed for %(module)s.") % {"module": form.cleaned_data["module"]})
    return redirect("monitoring:ops")


@require_POST
def ops_fault_set(request):
    access.require_staff(request)
    form = FaultForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, fault_form=form)
    error = controls.fault_apply(target=form.cleaned_data["target"], spec=form.spec, actor=request.user)
    if error:
        form.add_error(None, error)
        return _page(request, status=400, fault_form=form)
    messages.warning(request, _("Fault injected on %(target)s.") % {"target": form.cleaned_data["target"]})
    return redirect("monitoring:ops")


@require_POST
def ops_fault_clear(request):
    access.require_staff(request)
    form = FaultClearForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400)
    cleared = controls.fault_remove(target=form.cleaned_data["target"] or None)
    messages.success(request, _("Cleared %(count)d injected fault(s).") % {"count": cleared})
    return redirect("monitoring:ops")


@require_GET
@non_atomic
def prometheus_metrics(request):
    if not access.metrics_allowed(request):
        raise Http404
    return HttpResponse(generate_latest(build_registry()), content_type=CONTENT_TYPE_LATEST)
