"""Payment pages: funding a milestone, following a payment, the user's money, and payout wallets."""

import logging
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.errors import DomainError, NotFound
from apps.common.phone import guess_network
from apps.contracts.selectors import milestone_get_for_user
from apps.payments import payouts, selectors, services
from apps.payments.forms import OtpForm, PayoutMethodForm, WalletForm
from apps.payments.models import Collection, CollectionStatus
from apps.payments.movements import format_signed_ghs, movement_platform_fee

logger = logging.getLogger(__name__)

# Views that call the provider opt out of ATOMIC_REQUESTS, so a slow provider never holds a
# request's transaction open; the services commit each step themselves.

# The status fragment asks the provider itself at most this often per payment; in between
# it shows what webhooks and the poller have already stored.
PROVIDER_REFRESH_INTERVAL = timedelta(seconds=10)


def _or_404(fetch, **kwargs):
    try:
        return fetch(**kwargs)
    except NotFound:
        raise Http404(_("Payment not found.")) from None


@login_required
@never_cache
def overview(request):
    user = request.user
    transactions = Paginator(selectors.user_money_movements(user), 20).get_page(request.GET.get("page"))
    movements = [
        {"posted": posted, "amount": format_signed_ghs(posted.user_amount), "fee": movement_platform_fee(posted)}
        for posted in transactions.object_list
    ]
    context = {
        "summary": selectors.wallet_summary(user),
        "transactions": transactions,
        "movements": movements,
        "collections": selectors.user_collections(user)[:10],
        "payouts": selectors.user_payouts(user)[:10],
        "refunds": selectors.user_refunds(user)[:10],
        "payout_method": selectors.active_payout_method(user),
    }
    return render(request, "payments/overview.html", context)


@login_required
@never_cache
def transaction_detail(request, public_id):
    posted = _or_404(selectors.ledger_transaction_get_for_user, user=request.user, public_id=public_id)
    rows = [
        {"account": entry.account, "debit": max(entry.amount, 0), "credit": max(-entry.amount, 0)}
        for entry in posted.entries.select_related("account")
    ]
    return render(request, "payments/transaction.html", {"posted": posted, "rows": rows})


@transaction.non_atomic_requests
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def fund(request, milestone_id):
    milestone = _or_404(milestone_get_for_user, user=request.user, public_id=milestone_id)
    if milestone.contract.hirer_id != request.user.pk:
        raise Http404(_("Payment not found."))
    open_collection = Collection.objects.filter(
        milestone=milestone, status__in=["created", "pending", "requires_otp"]
    ).first()
    if open_collection is not None:
        return redirect("payments:collection", public_id=open_collection.public_id)

    initial = {"phone": request.user.phone, "network": guess_network(request.user.phone) or "mtn"}
    form = WalletForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.collection_start(
                milestone=milestone,
                actor=request.user,
                network=form.cleaned_data["network"],
                phone=form.cleaned_data["phone"],
            )
        except services.PaymentsUnavailable as error:
            form.add_error(None, error.message)
            status = 503
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = 409 if error.status == 409 else 400
        else:
            return redirect("payments:collection", public_id=collection.public_id)
    elif request.method == "POST":
        status = 400
    context = {"milestone": milestone, "form": form}
    return render(request, "payments/fund.html", context, status=status)


def _collection_context(request, collection):
    return {
        "collection": collection,
        "milestone": collection.milestone,
        "otp_form": OtpForm() if collection.status == CollectionStatus.REQUIRES_OTP else None,
        "is_payer": collection.payer_id == request.user.pk,
    }


@login_required
@never_cache
def collection_page(request, public_id):
    collection = _or_404(selectors.collection_get_for_user, user=request.user, public_id=public_id)
    return render(request, "payments/collection.html", _collection_context(request, collection))


@transaction.non_atomic_requests
@login_required
@never_cache
def collection_status(request, public_id):
    """The live part of the payment page, polled by htmx; asks the provider when the stored state is stale."""
    collection = _or_404(selectors.collection_get_for_user, user=request.user, public_id=public_id)
    if collection.is_open and collection.updated_at < timezone.now() - PROVIDER_REFRESH_INTERVAL:
        collection = services.collection_refresh(collection=collection, source="status_page")
    return render(request, "payments/_collection_status.html", _collection_context(request, collection))


@transaction.non_atomic_requests
@login_required
@never_cache
def collection_return(request, public_id):
    """Where the payer lands after paying: confirm with the provider, then show the result."""
    collection = _or_404(selectors.collection_get_for_user, user=request.user, public_id=public_id)
    services.collection_refresh(collection=collection, source="return")
    return redirect("payments:collection", public_id=collection.public_id)


@transaction.non_atomic_requests
@login_required
@require_POST
def collection_check(request, public_id):
    collection = _or_404(selectors.collection_get_for_user, user=request.user, public_id=public_id)
    services.collection_refresh(collection=collection, source="check_again")
    return redirect("payments:collection", public_id=collection.public_id)


@transaction.non_atomic_requests
@login_required
@require_POST
def collection_otp(request, public_id):
    collection = _or_404(selectors.collection_get_for_user, user=request.user, public_id=public_id)
    form = OtpForm(request.POST)
    if form.is_valid():
        try:
            services.collection_submit_otp(collection=collection, actor=request.user, otp=form.cleaned_data["otp"])
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Enter the 4 to 8 digit code from your phone."))
    return redirect("payments:collection", public_id=collection.public_id)


@transaction.non_atomic_requests
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def payout_method(request):
    current = selectors.active_payout_method(request.user)
    if not request.user.is_worker:
        raise Http404(_("Only workers receive payouts."))
    initial = {
        "phone": request.user.phone,
        "network": guess_network(request.user.phone) or "mtn",
        "name": request.user.full_name,
    }
    form = PayoutMethodForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payouts.payout_method_add(
                worker=request.user, network=data["network"], phone=data["phone"], name=data["name"]
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = 503 if error.status == 503 else 400
        else:
            messages.success(request, _("Your payout wallet is verified. Payments will be sent to it."))
            return redirect("payments:overview")
    elif request.method == "POST":
        status = 400
    return render(request, "payments/payout_method.html", {"form": form, "current": current}, status=status)
