from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    # Meetings and the yearly plan
    path("", views.meeting_list, name="meeting_list"),
    path("plan/", views.plan_generate, name="plan_generate"),
    path("calendar/", views.meeting_calendar, name="meeting_calendar"),
    path("calendar/meetings.ics", views.meeting_calendar_ics, name="meeting_calendar_ics"),
    path("new/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("<int:pk>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("<int:pk>/agenda.docx", views.agenda_docx, name="agenda_docx"),
    path("<int:pk>/agenda/approve/", views.agenda_approve, name="agenda_approve"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    # Agenda items
    path("<int:pk>/items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/submit/", views.item_submit, name="item_submit"),
    path("items/<int:pk>/review/", views.item_review, name="item_review"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    # Minutes
    path("<int:pk>/minutes/draft/", views.minutes_draft, name="minutes_draft"),
    path("minutes/<int:pk>/", views.minutes_detail, name="minutes_detail"),
    path("minutes/<int:pk>/minutes.docx", views.minutes_docx, name="minutes_docx"),
    path("minutes/<int:pk>/submit/", views.minutes_submit, name="minutes_submit"),
    path("minutes/<int:pk>/review/", views.minutes_review, name="minutes_review"),
    path("minutes/<int:pk>/respond/", views.minutes_respond, name="minutes_respond"),
    path("minutes/<int:pk>/revise/", views.minutes_revise, name="minutes_revise"),
    path("minutes/<int:pk>/sign/", views.minutes_sign, name="minutes_sign"),
    path("minutes/<int:pk>/issue/", views.minutes_issue, name="minutes_issue"),
    path("minutes/<int:pk>/acknowledge/", views.minutes_acknowledge, name="minutes_acknowledge"),
    path("minutes/<int:pk>/on-behalf/", views.minutes_on_behalf, name="minutes_on_behalf"),
    # Decisions and follow-up (督办)
    path("decisions/", views.followup, name="followup"),
    path("decisions/export.xlsx", views.followup_xlsx, name="followup_xlsx"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/update/", views.decision_update, name="decision_update"),
    path("decisions/<int:pk>/close/", views.decision_close, name="decision_close"),
    path("decisions/<int:pk>/chase/", views.decision_chase, name="decision_chase"),
    path("decisions/<int:pk>/send-back/", views.decision_send_back, name="decision_send_back"),
]
