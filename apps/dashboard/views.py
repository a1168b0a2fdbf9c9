from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts.models import Role

TEMPLATES = {
    Role.WORKER: "dashboard/worker.html",
    Role.HIRER: "dashboard/hirer.html",
}


@login_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def home(request):
    """Render the user's dashboard; every panel is another app's fragment behind a boundary."""
    template = TEMPLATES.get(request.user.role, "dashboard/staff.html")
    return render(request, template)
