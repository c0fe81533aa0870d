from django.urls import path

from .views import batches, exports, households, liaison, registry, reports, requests

app_name = "verification"
urlpatterns = [
    # The office (clerks, director)
    path("households/", households.household_list, name="household_list"),
    path("households/export.xlsx", exports.household_list_xlsx, name="household_list_xlsx"),
    path("households/new/", households.household_create, name="household_create"),
    path("households/<int:pk>/", households.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", households.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", households.member_create, name="member_create"),
    path(
        "households/<int:pk>/members/<int:member_pk>/edit/",
        households.member_update,
        name="member_update",
    ),
    path(
        "households/<int:pk>/members/<int:member_pk>/authorizations/new/",
        households.authorization_create,
        name="authorization_create",
    ),
    path(
        "authorizations/<int:pk>/scan/",
        households.authorization_scan,
        name="authorization_scan",
    ),
    path("households/<int:pk>/verify/", requests.request_create, name="request_create"),
    path("requests/", requests.request_list, name="request_list"),
    path("requests/export.xlsx", exports.request_list_xlsx, name="request_list_xlsx"),
    path("requests/<int:pk>/", requests.request_detail, name="request_detail"),
    path("requests/<int:pk>/cancel/", requests.request_cancel, name="request_cancel"),
    path("requests/<int:pk>/report/", reports.request_report, name="request_report"),
    path("requests/<int:pk>/report.docx", reports.request_report_docx, name="request_report_docx"),
    path("requests/<int:pk>/report.xlsx", reports.request_report_xlsx, name="request_report_xlsx"),
    path("checks/<int:pk>/reply/", requests.check_reply, name="check_reply"),
    path("checks/<int:pk>/chase/", requests.check_chase, name="check_chase"),
    path("overdue/", requests.overdue_list, name="overdue_list"),
    path("overdue/export.xlsx", exports.overdue_list_xlsx, name="overdue_list_xlsx"),
    path("batches/", batches.batch_list, name="batch_list"),
    path("batches/new/", batches.batch_create, name="batch_create"),
    path("batches/<int:pk>/", batches.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/progress/", batches.batch_progress, name="batch_progress"),
    path("batches/<int:pk>/cancel/", batches.batch_cancel, name="batch_cancel"),
    path("batches/<int:pk>/changes/", batches.batch_changes, name="batch_changes"),
    # The departments (unit liaisons)
    path("inbox/", liaison.inbox, name="inbox"),
    path("checks/<int:pk>/", liaison.check_detail, name="check_detail"),
    path("checks/<int:pk>/answer/", liaison.check_answer, name="check_answer"),
    path("checks/<int:pk>/correct/", liaison.check_correct, name="check_correct"),
    path("checks/<int:pk>/return/", liaison.check_return, name="check_return"),
    path("snapshots/", registry.snapshot_list, name="snapshot_list"),
    path("snapshots/uploads/", registry.snapshot_uploads, name="snapshot_uploads"),
    path(
        "snapshots/template.csv",
        registry.snapshot_template,
        {"fmt": "csv"},
        name="snapshot_template_csv",
    ),
    path(
        "snapshots/template.xlsx",
        registry.snapshot_template,
        {"fmt": "xlsx"},
        name="snapshot_template_xlsx",
    ),
    path("snapshots/<int:pk>/file/", registry.snapshot_download, name="snapshot_download"),
]
