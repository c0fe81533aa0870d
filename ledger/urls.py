from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    # A unit's own ledger
    path("", views.entry_list, name="entry_list"),
    path("new/", views.entry_create, name="entry_create"),
    path("<int:pk>/", views.entry_detail, name="entry_detail"),
    path("<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("<int:pk>/end/", views.entry_end, name="entry_end"),
    # Its monthly files
    path("imports/", views.import_list, name="import_list"),
    path("imports/uploads/", views.import_uploads, name="import_uploads"),
    path("imports/template.csv", views.import_template, {"fmt": "csv"}, name="import_template_csv"),
    path(
        "imports/template.xlsx",
        views.import_template,
        {"fmt": "xlsx"},
        name="import_template_xlsx",
    ),
    path("imports/<int:pk>/file/", views.import_download, name="import_download"),
    # The office
    path("conflicts/", views.conflicts, name="conflicts"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/find/", views.household_find, name="household_find"),
]
