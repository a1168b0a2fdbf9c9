"""Template tags that render other modules' fragments through a boundary.

    {% load modules %}
    {% fragment "jobs" "recommended_jobs" limit=5 %}
    {% fragment "messaging" "job_thread" lazy job_id=job.pk %}
    {% fragment_slot "nav_counters" as counters %}

`lazy` renders a placeholder that htmx fills from /fragments/<module>/<name>/ once the
page has loaded; without JavaScript the placeholder is a plain link to the same URL.
"""

import logging

from django import template
from django.template.base import FilterExpression, Node
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from apps.modules import boundary, maintenance, registry

logger = logging.getLogger(__name__)

register = template.Library()


class FragmentNode(Node):
    def __init__(self, module_name: FilterExpression, fragment_name: FilterExpression, lazy: bool, kwargs: dict):
        self.module_name = module_name
        self.fragment_name = fragment_name
        self.lazy = lazy
        self.kwargs = kwargs

    def render(self, context) -> str:
        request = context.get("request")
        module_name = self.module_name.resolve(context)
        fragment_name = self.fragment_name.resolve(context)
        kwargs = {key: value.resolve(context) for key, value in self.kwargs.items()}
        if request is None:
            logger.error("Fragment %s.%s was used in a template rendered without a request", module_name, fragment_name)
            return ""
        try:
            fragment = registry.get_fragment(module_name, fragment_name)
        except LookupError as error:
            logger.error("Template refers to an unknown fragment: %s", error)
            return ""
        if self.lazy:
            return render_lazy(request, fragment, kwargs)
        return boundary.run_fragment(request, fragment, kwargs).html


def render_lazy(request, fragment: registry.Fragment, kwargs: dict) -> SafeString:
    """Render the placeholder that loads `fragment` after the page; see the module docstring."""
    user = getattr(request, "user", None)
    if fragment.login_required and not (user and user.is_authenticated):
        return SafeString("")
    if fragment.staff_required and not (user and user.is_staff):
        return SafeString("")
    switched_off = maintenance.switched_off(fragment.module.name)
    if switched_off is not None:
        return boundary.placeholder(fragment, "maintenance", reason=switched_off.reason)

    include_script = not getattr(request, "_kelmah_fragment_script", False)
    request._kelmah_fragment_script = True
    context = {
        "fragment": fragment,
        "module": fragment.module,
        "url": boundary.fragment_url(fragment, kwargs),
        "include_script": include_script,
    }
    return mark_safe(render_to_string("modules/lazy_placeholder.html", context))  # noqa: S308 - template output


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    tag = bits.pop(0)
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f'{tag} needs a module and a fragment name: {{% {tag} "jobs" "name" %}}')
    module_name = parser.compile_filter(bits.pop(0))
    fragment_name = parser.compile_filter(bits.pop(0))
    lazy = False
    if bits and bits[0] == "lazy":
        lazy = True
        bits.pop(0)
    kwargs = {}
    for bit in bits:
        key, equals, value = bit.partition("=")
        if not equals or not key.isidentifier():
            raise template.TemplateSyntaxError(f"{tag} takes keyword arguments as name=value, not {bit!r}")
        kwargs[key] = parser.compile_filter(value)
    _check_literal_names(tag, module_name, fragment_name, lazy, kwargs)
    return FragmentNode(module_name, fragment_name, lazy, kwargs)


def _check_literal_names(tag, module_name, fragment_name, lazy, kwargs) -> None:
    """Reject bad lazy arguments at template compile time, when the names are literals.

    An unknown fragment is not an error here: a page may refer to a fragment its owning
    app has not shipped yet, and renders nothing for it (logging an error) until it does.
    """
    names = [expression.var for expression in (module_name, fragment_name)]
    if not all(
        isinstance(name, str) and not expression.filters
        for name, expression in zip(names, (module_name, fragment_name), strict=True)
    ):
        return
    try:
        fragment = registry.get_fragment(names[0], names[1])
    except LookupError:
        return
    if lazy and not fragment.lazy:
        raise template.TemplateSyntaxError(f"{tag}: fragment {fragment.key} is not declared lazy=True")
    if lazy and set(kwargs) != set(fragment.params):
        raise template.TemplateSyntaxError(
            f"{tag}: lazy fragment {fragment.key} takes the params {sorted(fragment.params)}, not {sorted(kwargs)}"
        )


class SlotNode(Node):
    def __init__(self, slot: FilterExpression, target: str):
        self.slot = slot
        self.target = target

    def render(self, context) -> str:
        request = context.get("request")
        rendered = []
        if request is not None:
            for fragment in registry.slot_fragments(self.slot.resolve(context)):
                html = boundary.run_fragment(request, fragment, {}).html
                if html:
                    rendered.append(html)
        context[self.target] = rendered
        return ""


@register.tag("fragment_slot")
def do_fragment_slot(parser, token):
    """{% fragment_slot "nav_counters" as counters %}: render every fragment declared for a slot."""
    bits = token.split_contents()
    if len(bits) != 4 or bits[2] != "as":
        raise template.TemplateSyntaxError('fragment_slot is used as {% fragment_slot "slot" as name %}')
    return SlotNode(parser.compile_filter(bits[1]), bits[3])
