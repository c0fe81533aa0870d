"""The ledger's pages. A unit's liaison keeps the unit's entries (list, enter, correct,
end) and imports its monthly file; the office reads the lists of conflicts and a
household's picture. Objects come from the gateway (``ledger.permissions``: outsiders get
404); every change goes through ``ledger.services``, whose ``LedgerError`` is shown on the
page and changes nothing."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assistance.notices import render as render_notice
from assistance.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes

from . import permissions, selectors, services
from .forms import EndForm, EntryFilterForm, EntryForm, FindForm, ImportForm, NewEntryForm
from .imports import template_rows
from .models import LedgerImport

PAGE_SIZE = 50
IMPORTS_PAGE_SIZE = 20
POLL_SECONDS = 2
LISTS = {
    "duplicates": gettext_lazy("Duplicate assistance (重复享受)"),
    "deaths": gettext_lazy("Help for the dead (死亡未注销)"),
    "over_standard": gettext_lazy("Over the local standard"),
}


def _warn(request, found: services.Found) -> None:
    """What the rules say of the change, to the liaison who made it."""
    if found.duplicates:
        messages.warning(
            request,
            _("This breaks a rule between programmes; the office sees it in its list."),
        )
    if found.deaths:
        messages.warning(
            request,
            _("A registry extract records this person as dead; the office sees it in its list."),
        )


# --- The unit's ledger ---------------------------------------------------------------------


def entry_list(request):
    unit = permissions.get_unit_for_liaison(request.user)
    programs = selectors.unit_programs(unit)
    form = EntryFilterForm(request.GET or None, programs=programs)
    entries = selectors.unit_entries(unit, **form.chosen())
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"unit": unit, "form": form, "page": page, "query": query.urlencode()}
    return render(request, "ledger/entry_list.html", context)


def _attempt(request, form, act, done: str):
    """Call the service ``act()``; on success say ``done``, warn of what the rules found
    and go to the entry; a refusal is put on the form (the field at fault, if it is
    one of the form's) and None returned."""
    try:
        entry, found = act()
    except services.LedgerError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return None
    messages.success(request, done)
    _warn(request, found)
    return redirect("ledger:entry_detail", pk=entry.pk)


def _form_page(request, form, context):
    status = 400 if request.method == "POST" else 200
    return render(request, "ledger/entry_form.html", {"form": form, **context}, status=status)


def entry_create(request):
    unit = permissions.get_unit_for_liaison(request.user)
    form = NewEntryForm(request.POST or None, programs=selectors.unit_programs(unit))
    if request.method == "POST" and form.is_valid():
        member = permissions.member_for_unit(
            request.user, unit, form.cleaned_data["id_number"], path=request.path
        )
        if member is None:
            form.add_error(
                "id_number",
                _("No household registered with your group's office has this person."),
            )
        else:
            done = _attempt(
                request,
                form,
                lambda: services.entry_create(
                    actor=request.user,
                    unit=unit,
                    member=member,
                    data=form.entry_data(),
                    whole_household=form.cleaned_data["whole_household"],
                ),
                _("The entry was recorded."),
            )
            if done:
                return done
    return _form_page(request, form, {"unit": unit})


def _render_entry(request, entry, *, end_form=None, status=200):
    history = entry.history.select_related("history_user").order_by("-history_date")[:20]
    works = permissions.keeps(request.user, entry)
    context = {
        "entry": entry,
        "history": history,
        "works": works and entry.source != entry.Source.IMPORT,
        "end_form": end_form or EndForm(initial={"period_to": entry.period_to}),
    }
    return render(request, "ledger/entry_detail.html", context, status=status)


def entry_detail(request, pk):
    return _render_entry(request, permissions.get_entry_for_user(request.user, pk))


def entry_edit(request, pk):
    entry = permissions.get_entry_to_change(request.user, pk)
    if entry.source == entry.Source.IMPORT:
        messages.error(
            request, _("An imported entry is corrected by importing its month's file again.")
        )
        return redirect("ledger:entry_detail", pk=entry.pk)
    form = EntryForm(
        request.POST or None,
        initial=EntryForm.initial_of(entry),
        programs=selectors.unit_programs(entry.unit),
    )
    if request.method == "POST" and form.is_valid():
        done = _attempt(
            request,
            form,
            lambda: services.entry_update(actor=request.user, entry=entry, data=form.entry_data()),
            _("The entry was corrected."),
        )
        if done:
            return done
    return _form_page(request, form, {"unit": entry.unit, "entry": entry})


@require_POST
def entry_end(request, pk):
    entry = permissions.get_entry_to_change(request.user, pk)
    form = EndForm(request.POST)
    if form.is_valid():
        done = _attempt(
            request,
            form,
            lambda: services.entry_end(
                actor=request.user,
                entry=entry,
                period_to=form.cleaned_data["period_to"],
                reason=form.cleaned_data["reason"],
            ),
            _("The assistance was ended."),
        )
        if done:
            return done
    return _render_entry(request, entry, end_form=form, status=400)


# --- The unit's monthly files --------------------------------------------------------------


def _uploads(request, unit) -> dict:
    imports = Paginator(selectors.unit_imports(unit), IMPORTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    latest = imports[0] if imports.number == 1 and len(imports) else None
    status = latest.status if latest else None
    problems = [(line, render_notice(message)) for line, message in latest.errors] if latest else []
    return {
        "unit": unit,
        "imports": imports,
        "problems": problems,
        "checking": any(i.status == LedgerImport.Status.CHECKING for i in imports),
        "refused": latest if status == LedgerImport.Status.REFUSED else None,
        "imported": latest if status == LedgerImport.Status.IMPORTED else None,
        "poll_seconds": POLL_SECONDS,
    }


def _import_page(request, unit, *, form=None, status=200):
    context = {
        "form": form or ImportForm(),
        "programs": selectors.unit_programs(unit),
        **_uploads(request, unit),
    }
    return render(request, "ledger/import_list.html", context, status=status)


def import_list(request):
    unit = permissions.get_unit_for_liaison(request.user)
    if request.method != "POST":
        return _import_page(request, unit)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, unit, form=form, status=400)
    try:
        services.ledger_import_upload(
            actor=request.user,
            unit=unit,
            upload=form.cleaned_data["file"],
            month=form.cleaned_data["month"],
            language=request.LANGUAGE_CODE,
        )
    except services.LedgerError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _import_page(request, unit, form=form, status=400)
    messages.info(
        request,
        _("The file was received. Its rows are being checked; this page shows the result."),
    )
    return redirect("ledger:import_list")


def import_uploads(request):
    """The uploads alone, for the page to refresh itself while one is being checked."""
    unit = permissions.get_unit_for_liaison(request.user)
    if not request.htmx:
        return _import_page(request, unit)
    return render(request, "ledger/partials/import_uploads.html", _uploads(request, unit))


def import_template(request, fmt):
    """An empty monthly file in the exact shape the import reads, headings in the
    reader's language."""
    permissions.get_unit_for_liaison(request.user)
    rows = template_rows()
    if fmt == "xlsx":
        body, content_type = xlsx_bytes(rows, title=_("Assistance ledger")), XLSX_CONTENT_TYPE
    else:
        body, content_type = csv_bytes(rows), CSV_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="ledger-template.{fmt}"'
    return response


def import_download(request, pk):
    ledger_import = permissions.get_import_for_user(request.user, pk)
    return permissions.import_file_response(request, ledger_import)


# --- The office ----------------------------------------------------------------------------


def conflicts(request):
    """The office's three lists, one at a time (``?list=``), a page at a time."""
    permissions.require_office(request.user)
    name = request.GET.get("list") or "duplicates"
    if name not in LISTS:
        raise Http404
    page = Paginator(selectors.OfficeList(name), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "lists": LISTS.items(),
        "name": name,
        "title": LISTS[name],
        "page": page,
        "query": f"list={name}",
        "find_form": FindForm(),
    }
    return render(request, "ledger/conflicts.html", context)


def household(request, pk):
    household = permissions.get_household_for_office(request.user, pk)
    picture = selectors.household_picture(household)
    return render(request, "ledger/household.html", {"picture": picture, "household": household})


@require_POST
def household_find(request):
    """The office looks a household up by a member's full ID number (logged)."""
    permissions.require_office(request.user)
    form = FindForm(request.POST)
    if form.is_valid():
        found = permissions.household_by_id_number(
            request.user, form.cleaned_data["id_number"], path=request.path
        )
        if found is not None:
            return redirect("ledger:household", pk=found.pk)
        form.add_error("id_number", _("No household of the register has this person."))
    context = {"lists": LISTS.items(), "name": "", "find_form": form}
    return render(request, "ledger/conflicts.html", context, status=400)
