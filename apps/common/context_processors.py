from django.conf import settings


def site(request):
    return {"SITE_NAME": "Kelmah", "DEBUG": settings.DEBUG}
