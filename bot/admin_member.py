"""The admin's member page: one member's ledger standing, instructions, outbox, state and transcript.

`/admin/bot/member/` lists the members (`bot.models.Member`, a proxy of `MemberIdentity`: key, number and
BSUID masked; a full key or number may be typed into the search box). Each row opens the member page
(`/admin/bot/member/<id>/change/`, read-only, template `admin/bot/member_page.html`, data from
`bot.member_page`), for staff holding `bot.view_member`:

- tier and accounts from the ledger, read on demand only: the "Read from the ledger" button POSTs (CSRF)
  and the ledger is asked as the member (`member_login` with their phone); a ledger error is a message on
  the page, never a 500;
- the member's instructions, outbox rows (status, error code and class, template name) and conversation
  state (loaded, never saved);
- a transcript (inbox and outbox in time order): kinds, times and statuses for everyone; the texts, and the
  state data's values, only for holders of `bot.view_member_transcript`.

Every view of the page, and every ledger read, writes an audit row ("admin.member_viewed",
"admin.member_ledger_read"; `security.audit`) naming the staff user, the masked member and whether texts
were shown. The page takes no query parameter (any is refused with a 400 page, as every admin list does).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from bot import member_page
from bot.models import Member
from security import audit
from security.admin_lookups import refuse_unknown_params
from security.admin_site import ReadOnlyAdmin
from security.redaction import mask_bsuid, mask_member, mask_phone

TRANSCRIPT_PERMISSION = "bot.view_member_transcript"
TEMPLATE = "admin/bot/member_page.html"


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("id", "member", "number", "user_id", "updated_at")
    list_display_links = ("id", "member")
    list_filter = ("created_at",)
    search_fields = ("=key", "=phone")
    search_help_text = "Exact member key or WhatsApp number (digits, country code first)."

    @admin.display(description="member key")
    def member(self, row: Member) -> str:
        return mask_member(row.key)

    @admin.display(description="number")
    def number(self, row: Member) -> str:
        return mask_phone(row.phone) if row.phone else "-"

    @admin.display(description="BSUID")
    def user_id(self, row: Member) -> str:
        return mask_bsuid(row.bsuid) if row.bsuid else "-"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """The member page (GET), or the page with the ledger read (POST "Read from the ledger")."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if refused := refuse_unknown_params(request):
            return refused
        if not (object_id.isascii() and object_id.isdigit()):
            raise Http404
        identity = Member.objects.filter(pk=int(object_id)).first()
        if identity is None:
            raise Http404
        read_ledger = request.method == "POST" and "read_ledger" in request.POST
        with_texts = request.user.has_perm(TRANSCRIPT_PERMISSION)
        context = page_context(identity, with_texts=with_texts, read_ledger=read_ledger)
        _audit_view(request, identity, with_texts=with_texts, read_ledger=read_ledger)
        return TemplateResponse(
            request, TEMPLATE, {**self.admin_site.each_context(request), **context, "opts": self.model._meta}
        )


def page_context(identity: Member, *, with_texts: bool, read_ledger: bool) -> dict:
    """Everything the template shows; the ledger is asked only when `read_ledger`."""
    key = identity.key
    return {
        "title": f"Member {mask_member(key)}",
        "member": mask_member(key),
        "number": mask_phone(identity.phone) if identity.phone else "-",
        "has_username": bool(identity.username),
        "refused": identity.refused,
        "ledger": member_page.ledger_view(identity) if read_ledger else None,
        "instructions": member_page.instructions(key),
        "outbox": member_page.outbox(key),
        "state": member_page.state_view(key, with_values=with_texts),
        "transcript": member_page.transcript(key, with_texts=with_texts),
        "with_texts": with_texts,
    }


def _audit_view(request: HttpRequest, identity: Member, *, with_texts: bool, read_ledger: bool) -> None:
    actor = audit.staff(request.user.get_username())
    obj = f"member {mask_member(identity.key)}"
    audit.record(
        "admin.member_viewed", actor=actor, obj=obj, new={"texts_shown": with_texts}, request=request
    )
    if read_ledger:
        audit.record("admin.member_ledger_read", actor=actor, obj=obj, request=request)
