"""Admin pages of the ledger side: read-only money instructions and the shared circuit breaker's state.

Instructions show the member masked (`security.redaction.mask_phone`; the full number may be searched, never
shown), the action, the state and the times, and for reconciliation the checks made, the next check and when
ops were alerted (filter "settlement": still sent/unknown, or ops alerted); never their parameters or the
ledger's answer, which hold other members' numbers and names. The breaker page
(`/admin/credex_api/instruction/breaker/`, listed on the index) shows `credex_api.breaker.breaker_status()`,
with a "Reset breaker" button (POST) for staff with `credex_api.reset_breaker`: it closes the breaker and
forgets its counts as `manage.py credex_breaker --reset` does, and writes an `admin.reset_breaker` audit row
with the state it had. The page takes no query parameter (any is refused with a 400 page). The list answers
only its filters, search box, sorting and paging (`security.admin_lookups`): `?params__contains=…` or
`?result__icontains=…` get a 400 page, never an answer.
"""

from __future__ import annotations

import datetime

import redis
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import DurationField, ExpressionWrapper, F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django_redis.exceptions import ConnectionInterrupted

from credex_api.breaker import CircuitBreaker, breaker_status
from credex_api.conf import ClientConfig, cache_redis
from credex_api.models import Instruction
from security import audit
from security.admin_lookups import refuse_unknown_params
from security.admin_site import ReadOnlyAdmin, add_page, render_page
from security.redaction import mask_phone


class UnsettledFilter(admin.SimpleListFilter):
    """Instructions the ledger has not settled yet (`sent`/`unknown`), and those ops were alerted about."""

    title = "settlement"
    parameter_name = "unsettled"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("open", "still sent or unknown"), ("alerted", "ops alerted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "open":
            return queryset.filter(state__in=[Instruction.State.SENT, Instruction.State.UNKNOWN])
        if self.value() == "alerted":
            return queryset.filter(alerted_at__isnull=False)
        return queryset


@admin.register(Instruction)
class InstructionAdmin(ReadOnlyAdmin):
    list_display = ("key", "member_masked", "action", "state", "error_code", "checks", "next_check_at")
    list_display += ("alerted_at", "created_at", "duration")
    list_filter = (UnsettledFilter, "state", "action", "created_at")
    search_fields = ("=key", "=member", "=ledger_ref")
    search_help_text = "Exact instruction key, member number (digits, country code first) or ledger id."
    fields = ("key", "member_masked", "action", "state", "ledger_ref", "error_code", "reconcile_attempts")
    fields += ("next_check_at", "alerted_at", "lease_until")
    fields += ("created_at", "confirmed_at", "sent_at", "finished_at", "updated_at", "duration")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        took = ExpressionWrapper(F("finished_at") - F("created_at"), output_field=DurationField())
        return super().get_queryset(request).annotate(duration_value=took)

    @admin.display(description="member")
    def member_masked(self, row: Instruction) -> str:
        return mask_phone(row.member)

    @admin.display(description="checks", ordering="reconcile_attempts")
    def checks(self, row: Instruction) -> int:
        return row.reconcile_attempts

    @admin.display(description="created → finished", ordering="duration_value")
    def duration(self, row: Instruction) -> str:
        took = getattr(row, "duration_value", None)
        return "-" if took is None else f"{took.total_seconds():.3f} s"

    def get_urls(self) -> list:
        breaker = path("breaker/", self.admin_site.admin_view(self.breaker_view), name="credex_api_breaker")
        return [breaker, *super().get_urls()]

    def breaker_view(self, request: HttpRequest) -> HttpResponse:
        """The ledger circuit breaker shared by every process, as `manage.py credex_breaker` prints it
        (`credex_api.view_breaker`, the permission the operator API's breaker endpoint checks too)."""
        if not request.user.has_perm(BREAKER_PERMISSION):
            raise PermissionDenied
        if refused := refuse_unknown_params(request):
            return refused
        if request.method == "POST":
            return reset_breaker(request)
        try:
            status = breaker_status()
        except (redis.RedisError, ConnectionInterrupted):
            status = None
        if status and status["open_until"]:
            status["open_until"] = datetime.datetime.fromtimestamp(status["open_until"], tz=datetime.UTC)
        context = {"status": status, "can_reset": request.user.has_perm(RESET_PERMISSION)}
        return render_page(request, title="Ledger circuit breaker", body=BREAKER_PAGE, context=context)


def reset_breaker(request: HttpRequest) -> HttpResponse:
    """Close the shared breaker and forget its counts (`credex_api.reset_breaker`), audited with its state."""
    if not request.user.has_perm(RESET_PERMISSION):
        raise PermissionDenied
    config = ClientConfig.from_settings()
    breaker = CircuitBreaker(cache_redis(), config.breaker, key_prefix=config.key_prefix)
    try:
        before = breaker.status()
        breaker.reset()
    except (redis.RedisError, ConnectionInterrupted):
        messages.error(request, "Nothing was reset: the cache Redis does not answer.")
        return HttpResponseRedirect(reverse("admin:credex_api_breaker"))
    actor = audit.staff(request.user.get_username())
    audit.record("admin.reset_breaker", actor=actor, obj="ledger breaker", old=before, request=request)
    messages.success(request, f"Breaker reset (it was {before['state']}).")
    return HttpResponseRedirect(reverse("admin:credex_api_breaker"))


BREAKER_PERMISSION = "credex_api.view_breaker"
RESET_PERMISSION = "credex_api.reset_breaker"
BREAKER_PAGE = """
{% if status %}<table id="breaker"><tbody>
<tr><th scope="row">State</th><td id="breaker-state">{{ status.state }}</td></tr>
<tr><th scope="row">Consecutive failures</th><td>{{ status.consecutive_failures }}</td></tr>
<tr><th scope="row">Failures in the sliding window</th><td>{{ status.failures_in_window }}</td></tr>
<tr><th scope="row">Current open period</th><td>{{ status.open_seconds }} s</td></tr>
<tr><th scope="row">Open until</th><td>{{ status.open_until|default:"-" }}</td></tr>
<tr><th scope="row">Seconds until the next trial call</th>
<td>{{ status.seconds_until_trial|floatformat:1 }}</td></tr>
</tbody></table>
{% if can_reset %}<form method="post">{% csrf_token %}<div class="submit-row">
<input type="submit" value="Reset breaker" id="reset-breaker"></div></form>{% endif %}
<p>Reset closes it and forgets its counts, as <code>python manage.py credex_breaker --reset</code> does.</p>
{% else %}<p class="errornote">The breaker's state is unavailable: the cache Redis does not answer.</p>
{% endif %}
"""

add_page(
    app_label="credex_api",
    name="Ledger circuit breaker",
    url_name="credex_api_breaker",
    permission=BREAKER_PERMISSION,
)
