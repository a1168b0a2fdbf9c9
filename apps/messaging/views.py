import logging

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.common.errors import DomainError, NotFound
from apps.messaging import conf, lookups, selectors, services
from apps.messaging.forms import MessageForm, StartForm

logger = logging.getLogger(__name__)

INBOX_LIMIT = 100


def _conversation_or_404(request, public_id):
    try:
        return selectors.conversation_get_for_user(public_id=public_id, user=request.user)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def inbox(request):
    conversations = list(selectors.conversation_list_for_user(user=request.user)[:INBOX_LIMIT])
    for conversation in conversations:
        conversation.other = conversation.other_party(request.user)
    return render(request, "messaging/inbox.html", {"conversations": conversations})


@login_required
@require_POST
def start(request):
    form = StartForm(request.POST)
    if not form.is_valid():
        return render(request, "messaging/cannot_start.html", {"errors": _form_error_lines(form)}, status=400)
    try:
        conversation = _start(request.user, form.cleaned_data)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return render(request, "messaging/cannot_start.html", {"message": error.message}, status=int(error.status))
    return redirect("messaging:thread", public_id=conversation.public_id)


def _form_error_lines(form) -> list[str]:
    """Return each form error as one line, prefixed with its field's label."""
    lines = []
    for name, errors in form.errors.items():
        label = form[name].label if name in form.fields else ""
        lines.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return lines


def _start(user, data: dict):
    if data.get("job"):
        job = lookups.job_for_conversation(job_id=data["job"], user=user)
        worker = user if user.role == Role.WORKER else lookups.worker_get(user_id=data.get("worker"))
        return services.conversation_for_job(job=job, worker=worker, actor=user)
    return services.conversation_direct(hirer=user, worker=lookups.worker_get(user_id=data["worker"]))


@login_required
@require_http_methods(["GET", "POST"])
def thread(request, public_id):
    conversation = _conversation_or_404(request, public_id)
    form = MessageForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                message = services.message_send(
                    conversation=conversation,
                    sender=request.user,
                    body=form.cleaned_data["body"],
                    attachment=form.cleaned_data["attachment"],
                    client_id=_client_id(request, form),
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect(f"{reverse('messaging:thread', args=[conversation.public_id])}#message-{message.pk}")
        status = 400

    before = _int_param(request.GET.get("before"))
    messages, has_older = selectors.messages_before(conversation=conversation, before=before)
    if before is None:
        services.conversation_mark_read(conversation=conversation, user=request.user)
    context = _thread_context(request, conversation, messages)
    context.update(
        form=form,
        has_older=has_older,
        older_url=f"?before={messages[0].pk}" if has_older and messages else "",
        is_older_page=before is not None,
    )
    return render(request, "messaging/thread.html", context, status=status)


def _thread_context(request, conversation, messages) -> dict:
    other = conversation.other_party(request.user)
    read = selectors.read_state(conversation=conversation)
    newest_id = messages[-1].pk if messages else 0
    return {
        "conversation": conversation,
        "other": other,
        "messages_page": messages,
        "newest_id": newest_id,
        "other_last_read": read.get(other.pk, 0),
        "show_contact": selectors.contact_details_visible(conversation=conversation),
        "poll_seconds": conf.get("MESSAGING_POLL_SECONDS"),
        "max_body_length": conf.get("MESSAGING_MAX_BODY_LENGTH"),
    }


@login_required
@require_GET
def thread_after(request, public_id):
    """Render the polling fragment: messages after ?after=<id>, and the poller with the new position."""
    conversation = _conversation_or_404(request, public_id)
    after = _int_param(request.GET.get("after")) or 0
    messages = selectors.messages_after(conversation=conversation, after=after)
    if messages:
        services.conversation_mark_read(conversation=conversation, user=request.user, up_to_id=messages[-1].pk)
    context = _thread_context(request, conversation, messages)
    context["newest_id"] = messages[-1].pk if messages else after
    return render(request, "messaging/_after.html", context)


@login_required
@require_POST
def thread_read(request, public_id):
    conversation = _conversation_or_404(request, public_id)
    services.conversation_mark_read(
        conversation=conversation, user=request.user, up_to_id=_int_param(request.POST.get("message_id"))
    )
    return redirect("messaging:thread", public_id=conversation.public_id)


@login_required
@require_GET
def attachment(request, public_id, message_id: int):
    """Serve an attachment to the conversation's participants only, never from a public URL."""
    conversation = _conversation_or_404(request, public_id)
    message = conversation.messages.filter(pk=message_id).exclude(attachment="").first()
    if message is None:
        raise Http404
    try:
        handle = message.attachment.open("rb")
    except FileNotFoundError:
        logger.error("attachment file missing", extra={"message_id": message.pk})
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=message.attachment_type,
        as_attachment=not message.is_image,
        filename=message.attachment_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _client_id(request, form) -> str | None:
    """Return the send's de-duplication id: the client's own, else the form's or header's idempotency key."""
    return (
        form.cleaned_data["client_id"]
        or request.POST.get("idempotency_key")
        or request.headers.get("Idempotency-Key")
        or None
    )


def _int_param(value) -> int | None:
    if value is None or not str(value).isdigit() or len(str(value)) > 18:
        return None
    return int(value)
