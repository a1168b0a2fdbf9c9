from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.common.errors import NotFound
from apps.notifications import selectors, services
from apps.notifications.forms import PreferencesForm, preference_field_name

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list(request):
    page = Paginator(selectors.notifications_for_user(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_count": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def notification_read(request, notification_id: int):
    try:
        services.notification_mark_read(user=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404 from None
    return redirect("notifications:list")


@login_required
@require_POST
def notification_open(request, notification_id: int):
    """Mark a notification read and go to what it links to (only ever a page on this site)."""
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404 from None
    safe = url_has_allowed_host_and_scheme(notification.link, allowed_hosts={request.get_host()})
    return redirect(notification.link if notification.link and safe else "notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    changed = services.notification_mark_all_read(user=request.user)
    if changed:
        messages.success(request, _("All notifications marked as read."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    rows = selectors.preference_table(request.user)
    form = PreferencesForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        services.preferences_update(user=request.user, choices=form.choices())
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:settings")

    for row in rows:
        for cell in row["channels"]:
            if cell["available"]:
                cell["field"] = form[preference_field_name(row["event"], cell["channel"])]
    return render(request, "notifications/settings.html", {"form": form, "rows": rows})
