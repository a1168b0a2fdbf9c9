"""Operators' controls: module maintenance switches and injected faults.

Both go through the same services as the management commands, so the rules (critical
modules stay on, faults only where the settings allow them) hold here too.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from apps.modules import faults, maintenance, registry
from apps.modules.models import FaultRule, ModuleState


@admin.register(ModuleState)
class ModuleStateAdmin(admin.ModelAdmin):
    list_display = ["module", "enabled", "is_critical", "reason", "changed_at", "changed_by"]
    list_filter = ["enabled"]
    fields = ["module", "enabled", "reason", "changed_at", "changed_by"]
    readonly_fields = ["module", "changed_at", "changed_by"]
    actions = ["switch_off", "switch_on"]

    @admin.display(boolean=True, description=_("critical"))
    def is_critical(self, state: ModuleState) -> bool:
        try:
            return registry.get_module(state.module).critical
        except LookupError:
            return False

    def changelist_view(self, request, extra_context=None):
        # One row per registered module, so every module can be switched from the list.
        ModuleState.objects.bulk_create(
            [ModuleState(module=module.name) for module in registry.all_modules()], ignore_conflicts=True
        )
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        try:
            if obj.enabled:
                maintenance.module_switch_on(module_name=obj.module, actor=request.user)
            else:
                maintenance.module_switch_off(module_name=obj.module, reason=obj.reason, actor=request.user)
        except maintenance.MaintenanceError as error:
            self.message_user(request, str(error), messages.ERROR)

    @admin.action(description=_("Switch off the selected modules (maintenance)"))
    def switch_off(self, request, queryset):
        for state in queryset:
            try:
                maintenance.module_switch_off(module_name=state.module, actor=request.user)
            except maintenance.MaintenanceError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("%(module)s is now off.") % {"module": state.module}, messages.WARNING)

    @admin.action(description=_("Switch on the selected modules"))
    def switch_on(self, request, queryset):
        for state in queryset:
            try:
                maintenance.module_switch_on(module_name=state.module, actor=request.user)
            except maintenance.MaintenanceError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("%(module)s is now on.") % {"module": state.module}, messages.SUCCESS)


class FaultRuleForm(forms.ModelForm):
    target = forms.ChoiceField(label=_("target"))
    spec = forms.CharField(
        label=_("mode"), help_text=_("raise, hang, slow=<ms> (milliseconds) or fail-rate=<0..1> (share of calls)")
    )

    class Meta:
        model = FaultRule
        fields = ["target"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            (target, f"{target}: {description}") for target, description in sorted(faults.known_targets().items())
        ]
        if self.instance and self.instance.pk:
            self.fields["spec"].initial = self.instance.spec

    def clean_spec(self) -> str:
        spec = self.cleaned_data["spec"]
        try:
            faults.parse_mode(spec)
        except faults.InvalidFault as error:
            raise forms.ValidationError(str(error)) from None
        return spec


@admin.register(FaultRule)
class FaultRuleAdmin(admin.ModelAdmin):
    form = FaultRuleForm
    list_display = ["target", "spec", "created_at", "created_by"]
    actions = ["clear_faults"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request) -> bool:
        return faults.injection_allowed() and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return faults.injection_allowed() and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            faults.fault_set(target=form.cleaned_data["target"], spec=form.cleaned_data["spec"], actor=request.user)
        except (faults.FaultInjectionDisabled, faults.InvalidFault) as error:
            self.message_user(request, str(error), messages.ERROR)

    def delete_model(self, request, obj):
        faults.fault_clear(target=obj.target)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            faults.fault_clear(target=rule.target)

    @admin.action(description=_("Clear the selected faults"))
    def clear_faults(self, request, queryset):
        for rule in queryset:
            faults.fault_clear(target=rule.target)
        self.message_user(request, _("Faults cleared."), messages.SUCCESS)
