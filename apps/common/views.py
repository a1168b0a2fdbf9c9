from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(no_cache=True, max_age=0)
def service_worker(request):
    """Serve the service worker from the site root so its scope covers every page."""
    script = (settings.BASE_DIR / "static" / "sw.js").read_bytes()
    response = HttpResponse(script, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def home(request):
    """Render the home page: a static hero around the jobs module's listings fragment."""
    return render(request, "home.html")
