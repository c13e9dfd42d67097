"""The admin page of rate-limit blocks (`/admin/bot/inboxmessage/limits/`, listed on the index).

What is blocked right now, per limiter: numbers silenced after their inbound notice and counters over the
inbound per-minute limit (`bot.inbound_limits`), members over the money-step limit (`flows.ledger`), notify
keys over theirs and addresses out of notify-key guesses (`bot.notify_guard`), and admin logins locked out by
django-axes. Subjects appear only as
short HMAC fingerprints with their count and the seconds until the window ends: no number or key.
Read-only; the windows simply run out.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from bot import notify_guard
from security import ratelimit
from security.admin_site import render_page


def limits_view(request: HttpRequest) -> HttpResponse:
    """Render the blocks (the caller checked the view permission)."""
    try:
        limiters = [
            ("Silenced after the inbound notice", ratelimit.over_limit("inbound_notice")),
            ("Inbound messages over the per-minute limit",
             ratelimit.over_limit("inbound_minute", settings.INBOUND_PER_MINUTE)),
            ("Money steps over the per-minute limit",
             ratelimit.over_limit("money", settings.MONEY_PER_MINUTE)),
            ("Notify keys over the per-minute limit",
             ratelimit.over_limit("notify", settings.NOTIFY_RATE_PER_MINUTE)),
            ("Addresses out of notify-key guesses",
             ratelimit.over_limit(notify_guard.GUESSES, settings.NOTIFY_WRONG_KEYS_PER_ADDRESS)),
        ]  # fmt: skip
    except ratelimit.LimiterDown:
        limiters = None
    lockouts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).count()
    context = {"limiters": limiters, "lockouts": lockouts}
    return render_page(request, title="Rate-limit blocks", body=LIMITS_PAGE, context=context)


LIMITS_PAGE = """
{% if limiters is None %}
<p class="errornote">The limits are unavailable: the cache Redis does not answer.</p>
{% else %}{% for title, rows in limiters %}
<h2>{{ title }}: <span class="blocked">{{ rows|length }}</span></h2>
{% if rows %}<table><thead><tr><th>Subject (fingerprint)</th><th>Count</th><th>Seconds left</th></tr></thead>
<tbody>{% for subject, count, left in rows %}<tr><td><code>{{ subject }}</code></td><td>{{ count }}</td>
<td>{{ left }}</td></tr>{% endfor %}</tbody></table>{% endif %}{% endfor %}{% endif %}
<h2>Admin logins locked out: <span id="lockouts">{{ lockouts }}</span></h2>
<p>Read-only: blocks end with their window. Lockouts are listed in the Axes access attempts.</p>
"""
