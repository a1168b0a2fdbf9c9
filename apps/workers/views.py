import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.errors import DomainError, NotFound
from apps.workers import selectors, services
from apps.workers.forms import DirectoryFilterForm, GhanaCardForm, PortfolioForm, ProfileForm
from apps.workers.models import WorkerProfile

logger = logging.getLogger(__name__)

DIRECTORY_PAGE_SIZE = selectors.DIRECTORY_PAGE_SIZE


def _own_profile_or_404(request) -> WorkerProfile:
    profile = selectors.worker_profile_for_user(request.user)
    if profile is None:
        raise Http404(_("Only workers have a worker profile."))
    return profile


def _add_errors(form, error: ValidationError | DomainError) -> None:
    """Show a service's error beside the field it names, or above the form."""
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


@require_http_methods(["GET", "HEAD"])
def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    filters = form.to_filters()
    result = selectors.worker_directory_page(filters, page=request.GET.get("page"), page_size=DIRECTORY_PAGE_SIZE)
    context = {"form": form, "result": result, "page": result.value, "filters": filters}
    # htmx swaps only the results when a filter changes, which saves mobile data.
    if request.headers.get("HX-Request") == "true":
        response = render(request, "workers/includes/directory_results.html", context)
    else:
        response = render(request, "workers/directory.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "HEAD"])
def profile(request, user_id: int):
    try:
        worker, listed = selectors.worker_profile_for_viewer(user_id=user_id, viewer=request.user)
    except NotFound:
        raise Http404(_("Worker not found.")) from None
    context = {"worker": worker, "is_owner": request.user.pk == worker.user_id, "listed": listed}
    if not listed:
        portfolio_count = len(worker.portfolio_items.all())
        missing = selectors.profile_completeness(worker, portfolio_count=portfolio_count).missing
        context["listing_missing"] = [item for item in missing if item.key in selectors.LISTING_CHECKLIST_KEYS]
        context["other_missing"] = [item for item in missing if item.key not in selectors.LISTING_CHECKLIST_KEYS]
    return render(request, "workers/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    profile = _own_profile_or_404(request)
    data = request.POST if request.method == "POST" else None
    form = ProfileForm(data, initial=ProfileForm.initial_for(profile))

    if request.method == "POST" and form.is_valid():
        try:
            services.worker_profile_update(user=request.user, **form.changes())
        except (ValidationError, DomainError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("workers:edit")

    completeness = selectors.profile_completeness(profile)
    context = {"form": form, "profile": profile, "completeness": completeness, "card_form": GhanaCardForm()}
    return render(request, "workers/profile_edit.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def ghana_card(request):
    profile = _own_profile_or_404(request)
    form = GhanaCardForm(request.POST)
    if form.is_valid():
        try:
            services.ghana_card_submit(user=request.user, number=form.cleaned_data["number"])
        except (ValidationError, DomainError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Thank you. Kelmah staff will check your Ghana Card within two working days."))
            return redirect("workers:edit")

    context = {
        "form": ProfileForm(initial=ProfileForm.initial_for(profile)),
        "profile": profile,
        "completeness": selectors.profile_completeness(profile),
        "card_form": form,
    }
    return render(request, "workers/profile_edit.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def portfolio(request):
    profile = _own_profile_or_404(request)
    form = PortfolioForm(request.POST, request.FILES) if request.method == "POST" else PortfolioForm()

    if request.method == "POST" and form.is_valid():
        try:
            services.portfolio_item_add(
                user=request.user, upload=form.cleaned_data["image"], caption=form.cleaned_data["caption"]
            )
        except (ValidationError, DomainError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your photo is added to your portfolio."))
            return redirect("workers:portfolio")

    context = {
        "form": form,
        "profile": profile,
        "items": selectors.portfolio_for_owner(user=request.user),
        "max_items": services.MAX_PORTFOLIO_ITEMS,
    }
    return render(request, "workers/portfolio.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def portfolio_delete(request, item_id: int):
    try:
        services.portfolio_item_delete(user=request.user, item_id=item_id)
    except NotFound:
        raise Http404(_("Photo not found.")) from None
    messages.success(request, _("The photo is removed from your portfolio."))
    return redirect("workers:portfolio")
