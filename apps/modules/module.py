"""The layout module: the site frame every page shares (navigation, fragments endpoint).

It is critical: it cannot be switched off, because no page renders without it. It also
owns the home page (apps.common), which shows the jobs listings only through a fragment.
"""

from django.utils.translation import gettext_lazy as _

from apps.modules.registry import Module, register

module = register(
    Module("layout", verbose_name=_("Site layout"), critical=True, packages=["apps.modules", "apps.common"])
)
