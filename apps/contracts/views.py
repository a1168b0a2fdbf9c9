"""Contract pages. Each view parses input, makes one service or selector call, and renders."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.errors import DomainError, NotFound
from apps.contracts import photos, selectors, services
from apps.contracts.forms import DeliverForm, DisputeForm, MilestoneFormSet, NoteForm, ResolveForm
from apps.contracts.images import detect_content_type
from apps.contracts.services import MilestoneDraft

logger = logging.getLogger(__name__)


def _contract(request, public_id):
    try:
        return selectors.contract_get_for_user(user=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("Contract not found.")) from None


def _milestone(request, public_id):
    try:
        return selectors.milestone_get_for_user(user=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("Milestone not found.")) from None


def _back(milestone):
    return redirect("contracts:detail", public_id=milestone.contract.public_id)


@login_required
def contract_list(request):
    page = Paginator(selectors.contracts_for_user(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "contracts/list.html", {"page": page})


@login_required
def contract_detail(request, public_id):
    contract = _contract(request, public_id)
    context = selectors.contract_detail(contract) | {"contract": contract, "role": contract.role_of(request.user)}
    return render(request, "contracts/detail.html", context)


@require_http_methods(["GET", "HEAD"])
def delivery_photo(request, public_id, photo_id: int):
    """Serve a delivery photo to the contract's parties and staff only; anyone else gets a 404."""
    try:
        photo = photos.delivery_photo_get_for_user(user=request.user, contract_public_id=public_id, photo_id=photo_id)
    except NotFound:
        raise Http404(_("Photo not found.")) from None
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        logger.error("delivery photo file missing", extra={"photo_id": photo.pk})
        raise Http404(_("Photo not found.")) from None
    response = FileResponse(handle, content_type=detect_content_type(handle))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def contract_milestones(request, public_id):
    contract = _contract(request, public_id)
    if contract.role_of(request.user) != "hirer":
        raise Http404(_("Contract not found."))
    initial = [
        {"description": m.description, "amount": f"{m.amount / 100:.2f}", "due_date": m.due_date}
        for m in contract.milestones.order_by("position")
    ]
    formset = MilestoneFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        drafts = [
            MilestoneDraft(
                form.cleaned_data["description"], form.cleaned_data["amount"], form.cleaned_data.get("due_date")
            )
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            services.contract_update_milestones(contract=contract, actor=request.user, milestones=drafts)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Milestones saved. The worker has to accept the contract again."))
            return redirect("contracts:detail", public_id=contract.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "contracts/milestones_form.html", {"contract": contract, "formset": formset}, status=status)


@login_required
@require_POST
def contract_accept(request, public_id):
    contract = _contract(request, public_id)
    _run(
        request,
        lambda: services.contract_accept(contract=contract, actor=request.user),
        _("You accepted the contract."),
    )
    return redirect("contracts:detail", public_id=contract.public_id)


@login_required
@require_POST
def contract_cancel(request, public_id):
    contract = _contract(request, public_id)
    _run(
        request,
        lambda: services.contract_cancel(contract=contract, actor=request.user),
        _("The contract was cancelled."),
    )
    return redirect("contracts:detail", public_id=contract.public_id)


def _run(request, call, success: str) -> bool:
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


SIMPLE_ACTIONS = {
    "start": (services.milestone_start, _("Work started. Deliver with photos when it is done.")),
    "approve": (services.milestone_approve, _("Approved. The payment is on its way to the worker.")),
    "cancel": (services.milestone_cancel, _("The milestone was cancelled.")),
}


@login_required
@require_POST
def milestone_action(request, public_id, action):
    milestone = _milestone(request, public_id)
    if action not in SIMPLE_ACTIONS:
        raise Http404(_("Unknown action."))
    service, success = SIMPLE_ACTIONS[action]
    _run(request, lambda: service(milestone=milestone, actor=request.user), str(success))
    return _back(milestone)


@login_required
@require_http_methods(["GET", "POST"])
def milestone_deliver(request, public_id):
    milestone = _milestone(request, public_id)
    form = DeliverForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_deliver(
                milestone=milestone,
                actor=request.user,
                note=form.cleaned_data["note"],
                photos=form.cleaned_data["photos"],
            )
        except DomainError as error:
            form.add_error("photos" if error.field == "photos" else None, error.message)
        else:
            messages.success(request, _("Delivered. The hirer has 7 days to approve or ask for changes."))
            return _back(milestone)
    return _form_page(request, milestone, form, _("Deliver the work"), multipart=True)


def _form_page(request, milestone, form, title, *, multipart=False):
    status = 400 if request.method == "POST" else 200
    context = {
        "milestone": milestone,
        "contract": milestone.contract,
        "form": form,
        "title": title,
        "multipart": multipart,
    }
    return render(request, "contracts/milestone_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def milestone_request_changes(request, public_id):
    milestone = _milestone(request, public_id)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def call():
            return services.milestone_request_changes(
                milestone=milestone, actor=request.user, note=form.cleaned_data["note"]
            )

        if _run(request, call, _("Your change request was sent to the worker.")):
            return _back(milestone)
    return _form_page(request, milestone, form, _("Ask for changes"))


@login_required
@require_http_methods(["GET", "POST"])
def milestone_dispute(request, public_id):
    milestone = _milestone(request, public_id)
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def call():
            return services.milestone_dispute(
                milestone=milestone, actor=request.user, reason=form.cleaned_data["reason"]
            )

        if _run(request, call, _("The dispute is open. Kelmah staff will contact you both.")):
            return _back(milestone)
    return _form_page(request, milestone, form, _("Open a dispute"))


@login_required
@require_http_methods(["GET", "POST"])
def milestone_resolve(request, public_id):
    milestone = _milestone(request, public_id)
    if not request.user.is_staff:
        raise Http404(_("Milestone not found."))
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call():
            services.dispute_resolve(
                milestone=milestone,
                actor=request.user,
                resolution=data["resolution"],
                worker_amount=data.get("worker_amount"),
                note=data["note"],
            )

        if _run(request, call, _("The dispute is resolved.")):
            return _back(milestone)
    return _form_page(request, milestone, form, _("Resolve the dispute"))
