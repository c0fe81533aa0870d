"""What the verification pages share: cutting a page from a list, and keeping a page that
shows personal data in full out of every cache."""

from django.core.paginator import Page, Paginator
from django.utils.cache import add_never_cache_headers, patch_cache_control


def page_of(request, queryset, size: int, *, rows=lambda queryset: queryset) -> Page:
    """One page of ``queryset``. The paginator counts and slices the plain (filtered,
    ordered) queryset, which the database answers from its indexes; only the page's rows
    are then read with ``rows`` applied (annotations, joins). So the aggregates are
    computed for 50 rows, not for every row before the offset, and a late page costs what
    the first does."""
    page = Paginator(queryset.values_list("pk", flat=True), size).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    objects = {obj.pk: obj for obj in rows(queryset.model.objects.filter(pk__in=ids))}
    page.object_list = [objects[pk] for pk in ids if pk in objects]
    return page


def query_without_page(request) -> str:
    """The list's filters as a query string, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def never_store(response):
    """Full ID numbers must not linger in a cache or come back with "back"."""
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response
