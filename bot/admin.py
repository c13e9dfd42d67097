"""Admin pages of the WhatsApp edge: read-only inbox, outbox, statuses and platform errors, and members seen.

Nothing here can be added, changed or deleted; the outbox's one action, "Retry failed send", stores and sends
a new row (`bot.admin_actions`). Phone numbers and member keys are shown masked
(`security.redaction.mask_phone`, `mask_member`); a full number may be typed into the search box (exact
match) but is never shown. Message contents (the inbox's `event`, the outbox's `payload`) are not shown at
all: kind, status and latency only.

Member identities (`MemberIdentity`: who a member is on WhatsApp, `bot.identity`) are listed the same way:
the key, number and BSUID masked (`mask_bsuid`: ``ZW.•••5843``), the username never shown (only whether
there is one); a full key, number or BSUID may be typed into the search box (exact match).

"Members seen" (`/admin/bot/inboxmessage/members/`, listed on the index) groups the inbox by member: masked
number, first and last message, message count. Its one action, "Reset conversation", deletes the selected
members' conversation state on the state Redis (`flows.store.ConversationStore.clear`) and writes an audit
row per member when `security.audit` is installed; it needs the `bot.change_inboxmessage` permission.
Members are picked by the id of their first inbox row, so the page never carries a number, not even hidden.
A selection holding anything but such ids (ASCII digits within a BigAutoField), or more than a page of
them, can only be a crafted request: it is refused whole with a 400 page saying so, and nothing is reset.
The page's search takes a full number (digits only; anything else finds no one, and the page says how to
search); the members and rate-limit pages refuse any other query parameter with a 400 page naming it, as
every admin list does (`security.admin_lookups`).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse

from bot import admin_member  # noqa: F401 - registers the member page
from bot.admin_actions import RETRY_PERMISSION, retry_failed_sends
from bot.admin_limits import limits_view
from bot.models import InboxMessage, MemberIdentity, OutboxMessage, PlatformError, StatusEvent
from flows.store import ConversationStore
from security.admin_lookups import refusal, refuse_unknown_params
from security.admin_site import ReadOnlyAdmin, add_page, render_page
from security.redaction import mask_bsuid, mask_member, mask_phone

MEMBERS_PER_PAGE = 100
RESET_PERMISSION = "bot.change_inboxmessage"
SEARCH_HELP = "No member has this number: search by a full number, digits only, country code first."
MAX_REF = 2**63 - 1  # the largest id of a BigAutoField
BAD_MEMBER_REF = (
    "Nothing was reset: the selection holds something that is not a member row of this page "
    "(the action takes the rows the page lists, at most one page of them)."
)


def elapsed(start: str, end: str) -> ExpressionWrapper:
    """`end - start` as a duration, for annotating and sorting."""
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def milliseconds(duration: object) -> str:
    """`1234 ms`, or `-` while the row has not got that far."""
    return "-" if duration is None else f"{round(duration.total_seconds() * 1000)} ms"


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "member", "kind", "status", "attempts", "received_at", "latency", "error_ref")
    list_filter = ("status", "kind", "received_at")
    search_fields = ("=wa_id", "=wamid", "=correlation_id", "=error_ref")
    search_help_text = "Exact member number (digits, country code first), message id, correlation id or ref."
    fields = ("wamid", "member", "kind", "status", "attempts", "message_ts", "received_at", "claimed_at")
    fields += ("processed_at", "latency", "error_ref", "correlation_id")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(latency_value=elapsed("received_at", "processed_at"))

    @admin.display(description="member")
    def member(self, row: InboxMessage) -> str:
        return mask_member(row.wa_id)

    @admin.display(description="latency", ordering="latency_value")
    def latency(self, row: InboxMessage) -> str:
        return milliseconds(getattr(row, "latency_value", None))

    def get_urls(self) -> list:
        members = path("members/", self.admin_site.admin_view(self.members_view), name="bot_members")
        limits = path("limits/", self.admin_site.admin_view(self.limits_view), name="bot_limits")
        return [members, limits, *super().get_urls()]

    def limits_view(self, request: HttpRequest) -> HttpResponse:
        """What the rate limits block right now (`bot.admin_limits`)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return refuse_unknown_params(request) or limits_view(request)

    def members_view(self, request: HttpRequest) -> HttpResponse:
        """The members seen, newest first; POST runs the reset action on the selected ones."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if refused := refuse_unknown_params(request, "q", "p"):
            return refused
        if request.method == "POST":
            return self._reset_selected(request)
        rows = InboxMessage.objects.order_by().values("wa_id")
        if query := request.GET.get("q", "").strip():
            rows = rows.filter(wa_id=query) if query.isascii() and query.isdigit() else rows.none()
            if not rows:
                messages.warning(request, SEARCH_HELP)
        rows = rows.annotate(
            ref=Min("id"), first_seen=Min("received_at"), last_seen=Max("received_at"), messages=Count("id")
        ).order_by("-last_seen", "ref")
        page = Paginator(rows, MEMBERS_PER_PAGE).get_page(request.GET.get("p"))
        members = [{**row, "member": mask_member(row["wa_id"]), "wa_id": None} for row in page]
        context = {"members": members, "page": page, "can_reset": request.user.has_perm(RESET_PERMISSION)}
        return render_page(request, title="Members seen", body=MEMBERS_PAGE, context=context)

    def _reset_selected(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(RESET_PERMISSION):
            raise PermissionDenied
        refs = request.POST.getlist("member")
        if len(refs) > MEMBERS_PER_PAGE or not all(map(is_member_ref, refs)):
            return refusal(request, BAD_MEMBER_REF)
        wa_ids = sorted(set(InboxMessage.objects.filter(id__in=refs).values_list("wa_id", flat=True)))
        store = ConversationStore()
        for wa_id in wa_ids:
            store.clear(wa_id)
            _audit_reset(request, wa_id)
        if wa_ids:
            messages.success(request, f"Conversation reset for {len(wa_ids)} member(s).")
        else:
            messages.warning(request, "No member selected: nothing was reset.")
        return HttpResponseRedirect(reverse("admin:bot_members"))


def is_member_ref(value: str) -> bool:
    """Whether `value` is a row id as the members page writes it: ASCII digits, a positive BigAutoField."""
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_REF)):
        return False
    return 0 < int(value) <= MAX_REF


def _audit_reset(request: HttpRequest, wa_id: str) -> None:
    """One audit row for the reset, when the audit log (security.audit) is installed."""
    try:
        from security.audit import record  # noqa: PLC0415 - optional: the audit log may not be installed
    except ImportError:
        return
    actor = f"staff:{request.user.get_username()}"
    record("admin.reset_conversation", actor=actor, obj=f"member {mask_phone(wa_id)}", request=request)


MEMBERS_PAGE = """
<form method="get" id="changelist-search"><div><label for="searchbar">Member number</label>
<input type="text" size="20" name="q" id="searchbar" autocomplete="off">
<input type="submit" value="Search"></div></form>
<form method="post">{% csrf_token %}
<table id="result_list"><thead><tr>{% if can_reset %}<th></th>{% endif %}<th>Member</th><th>First seen</th>
<th>Last seen</th><th>Messages</th></tr></thead><tbody>
{% for row in members %}<tr>{% if can_reset %}<td><input type="checkbox" name="member" value="{{ row.ref }}"
 aria-label="select"></td>{% endif %}<td>{{ row.member }}</td><td>{{ row.first_seen }}</td>
<td>{{ row.last_seen }}</td><td>{{ row.messages }}</td></tr>
{% empty %}<tr><td colspan="5">No member has written yet.</td></tr>{% endfor %}
</tbody></table>
<p class="paginator">Page {{ page.number }} of {{ page.paginator.num_pages }}
{% if page.has_next %}<a href="?p={{ page.next_page_number }}">next</a>{% endif %}</p>
{% if can_reset %}<div class="submit-row"><input type="submit" name="action" value="Reset conversation">
</div>{% endif %}
</form>
"""

add_page(app_label="bot", name="Members seen", url_name="bot_members", permission="bot.view_inboxmessage")
add_page(app_label="bot", name="Rate-limit blocks", url_name="bot_limits", permission="bot.view_inboxmessage")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "member", "kind", "status", "attempts", "error_code", "created_at", "latency")
    list_filter = ("status", "kind", "error_class", "created_at")
    search_fields = ("=wa_id", "=wamid", "=id")
    search_help_text = "Exact member number (digits, country code first), WhatsApp message id or outbox id."
    fields = ("id", "member", "in_reply_to", "kind", "status", "wamid", "error_code", "error_class")
    fields += ("attempts", "created_at", "accepted_at", "updated_at", "latency")
    readonly_fields = fields
    actions = (retry_failed_sends,)  # bot.admin_actions; needs bot.retry_outboxmessage

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(latency_value=elapsed("created_at", "accepted_at"))

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RETRY_PERMISSION)

    @admin.display(description="member")
    def member(self, row: OutboxMessage) -> str:
        return mask_member(row.wa_id)

    @admin.display(description="latency (to accepted)", ordering="latency_value")
    def latency(self, row: OutboxMessage) -> str:
        return milliseconds(getattr(row, "latency_value", None))


@admin.register(StatusEvent)
class StatusEventAdmin(ReadOnlyAdmin):
    list_display = ("wamid", "status", "status_ts", "recipient", "error_code", "matched", "received_at")
    list_filter = ("status", "matched", "received_at")
    search_fields = ("=wamid", "=recipient_id")
    fields = ("wamid", "status", "status_ts", "recipient", "error_code", "matched", "received_at")
    readonly_fields = fields

    @admin.display(description="recipient")
    def recipient(self, row: StatusEvent) -> str:
        return mask_phone(row.recipient_id)


@admin.register(PlatformError)
class PlatformErrorAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "received_at")
    list_filter = ("code", "received_at")
    search_fields = ("title",)
    fields = ("code", "title", "details", "digest", "received_at")
    readonly_fields = fields


@admin.register(MemberIdentity)
class MemberIdentityAdmin(ReadOnlyAdmin):
    list_display = ("id", "member", "number", "user_id", "has_username", "refused", "updated_at")
    list_filter = ("refused", "created_at")
    search_fields = ("=key", "=phone", "=bsuid")
    search_help_text = "Exact member key (a number, or u…), WhatsApp number (digits) or BSUID (e.g. ZW.123…)."
    fields = ("id", "member", "number", "user_id", "has_username", "refused", "contact_requested_at")
    fields += ("created_at", "updated_at")
    readonly_fields = fields

    @admin.display(description="member key")
    def member(self, row: MemberIdentity) -> str:
        return mask_member(row.key)

    @admin.display(description="number")
    def number(self, row: MemberIdentity) -> str:
        return mask_phone(row.phone) if row.phone else "-"

    @admin.display(description="BSUID")
    def user_id(self, row: MemberIdentity) -> str:
        return mask_bsuid(row.bsuid) if row.bsuid else "-"

    @admin.display(description="username", boolean=True)
    def has_username(self, row: MemberIdentity) -> bool:
        return bool(row.username)
