"""Django error reports (the DEBUG page, error e-mails) that never show our secrets or phone numbers.

- `ReporterFilter` (settings.DEFAULT_EXCEPTION_REPORTER_FILTER): Django's `SafeExceptionReporterFilter`
  hides settings and request headers whose name matches API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|
  HTTP_COOKIE; ours also hides every WHATSAPP_*, CLIENT_API_*, NOTIFY_*, ALERT_* and DJANGO_SECRET setting,
  anything ending in _KEY, _TOKEN or _SECRET, DATABASE_URL, the Redis URLs (REDIS_*_URL, and the caches'
  LOCATION: both may carry a password), and the query string. Local variables of the failing frames are
  hidden too (on the DEBUG page as well) when their name looks like a secret (`secret`, `key`, `token`,
  `password`, ...), without anyone having to remember `@sensitive_variables`.
- `ExceptionReporter` (settings.DEFAULT_EXCEPTION_REPORTER): the finished report, HTML or text, goes
  through `security.logfilter.redact_text`, which removes the current values of our secret settings
  wherever they appear (a GET parameter, the URL, an exception message, a variable's repr) and masks
  phone numbers. The filter alone cannot reach the GET parameters or the raw URI, which Django shows as
  they came.
"""

from __future__ import annotations

import re
from typing import Any

from django.views.debug import ExceptionReporter as DjangoExceptionReporter
from django.views.debug import SafeExceptionReporterFilter

from security.logfilter import is_sensitive_key, redact_text

HIDDEN_SETTINGS = re.compile(
    r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|PEPPER|DSN|"
    r"WHATSAPP_|CLIENT_API|NOTIFY_|ALERT_|DJANGO_SECRET|_KEY$|_TOKEN$|_SECRET$|"
    r"DATABASE_URL|REDIS_\w*URL|LOCATION|QUERY_STRING",
    flags=re.IGNORECASE,
)


class ReporterFilter(SafeExceptionReporterFilter):
    """Django's safe filter, with our secret settings and secret-looking local variables hidden."""

    hidden_settings = HIDDEN_SETTINGS

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [
            (name, self.cleansed_substitute if is_sensitive_key(name) else value) for name, value in variables
        ]


class ExceptionReporter(DjangoExceptionReporter):
    """Django's reporter whose finished report is redacted as a whole (see the module docstring)."""

    def get_traceback_html(self) -> str:
        return redact_text(str(super().get_traceback_html()), escape=False)

    def get_traceback_text(self) -> str:
        return redact_text(str(super().get_traceback_text()), escape=False)
