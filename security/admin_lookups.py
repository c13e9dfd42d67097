"""Admin lists answer only what their pages ask: declared filters, the search box, sorting and paging.

Django's `ModelAdmin.lookup_allowed` accepts a lookup on any field of the list's own model in the query
string (`?payload__icontains=Secured: 48.00`, `?key__startswith=a`), and the row count answers it: a blind
oracle on message text, balances, instruction parameters, TOTP keys and whatever else the page never shows.
Here a list accepts only:

- the parameters of its declared list filters (`list_filter`: what the links beside the list send) and of
  its date hierarchy (`<field>__year`, `__month`, `__day`);
- Django's own list parameters: `q` (the search box, over `search_fields` only), `o` (sorting, by the index
  of a displayed column only), `p` (page), `all`, `_facets`, `_popup`, `_to_field` (which Django checks with
  `to_field_allowed`) and `e` (Django's own "invalid parameters" flag).

Anything else is refused with a 400 page that names the refused parameters (a refused question that says
so, where ignoring it would leave the operator wondering why a filter did nothing). `_changelist_filters` is
refused on lists too: Django sends it to change pages only, and turns it back into filters itself.

The check runs after Django's list filters have taken their own parameters (`ChangeList.get_filters`), so
what is left over is undeclared by Django's own account, not by a list kept here by hand. `harden(site)`
(called by `VimbisoAdminSite` when it builds its URLs) gives every registered ModelAdmin this behaviour,
the project's and third-party ones (auth, django-otp, django-axes, simplejwt) alike. Raw-id popups that
filter by a ForeignKey's `limit_choices_to` would be refused as well; no admin here has one.

The project's custom admin pages (members, breaker, rate limits) call `refuse_unknown_params` with the
parameters they read. Bad values of accepted parameters take Django's own path (the list without them,
`?e=1`); two that Django lets through as a 500 join it: a date-hierarchy year too large for Python's
dates, and a NUL character, which PostgreSQL refuses in text.
"""

from __future__ import annotations

import logging
from functools import cache

from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest, HttpResponse

from security.admin_site import render_page

NOT_A_FILTER = "This list cannot be filtered by"
UNKNOWN_PARAMETER = "This page does not take the parameter"
SHOWN_NAMES, NAME_LENGTH = 3, 40  # the refusal names at most 3 parameters, each cut to 40 characters

logger = logging.getLogger(__name__)

_REFUSAL = '<p class="errornote">{{ message }}</p><p><a href="{{ back }}">Back to the page</a></p>'


class UndeclaredLookup(DisallowedModelAdminLookup):
    """A list was asked to filter by parameters it does not declare (`names`)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"Filtering by {', '.join(names)} not allowed")
        self.names = names


class StrictFilters:
    """ChangeList mixin: whatever the declared filters and the date hierarchy did not take is refused."""

    def get_filters(self, request: HttpRequest) -> tuple:
        if any("\x00" in value for values in self.filter_params.values() for value in values):
            raise IncorrectLookupParameters("NUL in a value")  # PostgreSQL refuses it in text: a 500
        try:
            filters = super().get_filters(request)
        except OverflowError as error:  # Django catches only ValueError from `?<date>__year=<26 digits>`
            raise IncorrectLookupParameters(error) from error
        undeclared = sorted(set(filters[2]) - self._date_bounds())
        if undeclared:
            raise UndeclaredLookup(undeclared)
        return filters

    def _date_bounds(self) -> set[str]:
        """`<field>__gte` and `__lt`: what the date hierarchy made of its `__year` (`__month`, `__day`)."""
        field = self.date_hierarchy
        if field and f"{field}__year" in self.filter_params:
            return {f"{field}__gte", f"{field}__lt"}
        return set()


@cache
def strict_changelist(base: type[ChangeList]) -> type[ChangeList]:
    """`base` (the admin's ChangeList class) with `StrictFilters` on top."""
    return type(f"Strict{base.__name__}", (StrictFilters, base), {})


class StrictLookups:
    """ModelAdmin mixin: the strict list, and a 400 page naming what it refused."""

    def get_changelist(self, request: HttpRequest, **kwargs: object) -> type[ChangeList]:
        return strict_changelist(super().get_changelist(request, **kwargs))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The list; or, for an undeclared lookup (ours, or Django's own refusal of a relation or a
        password lookup, `Filtering by <name> not allowed`), a 400 page naming it."""
        try:
            return super().changelist_view(request, extra_context)
        except DisallowedModelAdminLookup as refused:
            names = getattr(refused, "names", None) or [_django_refused(refused)]
            logger.warning("admin list %s refused the parameters %s", request.path, _names(names))
            reason = "only by the filters beside it, the search box, sorting and paging"
            return refusal(request, f"{NOT_A_FILTER} {_names(names)}: {reason}.")


@cache
def strict_admin(admin_class: type[ModelAdmin]) -> type[ModelAdmin]:
    """`admin_class` with `StrictLookups` on top, under the same name."""
    names = {name: getattr(admin_class, name) for name in ("__module__", "__qualname__", "__doc__")}
    return type(admin_class.__name__, (StrictLookups, admin_class), names)


def harden(site: AdminSite) -> None:
    """Give every ModelAdmin on `site` `StrictLookups` (those that have it are left alone).

    Each is replaced in place, as `AdminSite.register` stores it, not unregistered and registered again:
    the first `reverse()` of an admin URL runs this, maybe inside a loop over the registry's models.
    """
    for model, model_admin in site._registry.items():
        if not isinstance(model_admin, StrictLookups):
            site._registry[model] = strict_admin(type(model_admin))(model, site)


def refuse_unknown_params(request: HttpRequest, *allowed: str) -> HttpResponse | None:
    """For a custom admin page: a 400 page if the query string holds a parameter not in `allowed`."""
    unknown = sorted(set(request.GET) - set(allowed))
    if not unknown:
        return None
    logger.warning("admin page %s refused the parameters %s", request.path, _names(unknown))
    reads = ", ".join(allowed) if allowed else "no parameter"
    return refusal(request, f"{UNKNOWN_PARAMETER} {_names(unknown)}: it reads {reads}.")


def refusal(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 page inside the admin layout saying why, with a link back to the page without parameters."""
    context = {"message": message, "back": request.path}
    return render_page(request, title="Bad request", body=_REFUSAL, context=context, status=400)


def _django_refused(refused: DisallowedModelAdminLookup) -> str:
    """The parameter in Django's own refusal, `Filtering by <name> not allowed`."""
    return str(refused).removeprefix("Filtering by ").removesuffix(" not allowed")


def _names(names: list[str]) -> str:
    """The first refused names, cut short, unprintable characters (a forged log line's newline) as `?`."""
    shown = [
        "".join(c if c.isprintable() else "?" for c in name[:NAME_LENGTH]) for name in names[:SHOWN_NAMES]
    ]
    more = f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else ""
    return ", ".join(shown) + more
