from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    # The office's applications
    path("", views.application_list, name="application_list"),
    path("new/", views.application_create, name="application_create"),
    path("<int:pk>/", views.application_detail, name="application_detail"),
    path("<int:pk>/share/", views.share, name="share"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/agenda/", views.to_agenda, name="to_agenda"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/receipt.docx", views.receipt_docx, name="receipt_docx"),
    path("<int:pk>/refusal/", views.refusal_notice, name="refusal_notice"),
    path("<int:pk>/refusal.docx", views.refusal_docx, name="refusal_docx"),
    path("<int:pk>/files/", views.attach, name="attach"),
    path("files/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/id-number/", views.reveal_id, name="reveal_id"),
    # The units' referrals
    path("referrals/", views.inbox, name="inbox"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/sign/", views.sign, name="referral_sign"),
    path("referrals/<int:pk>/return/", views.return_, name="referral_return"),
    path("referrals/<int:pk>/progress/", views.progress, name="referral_progress"),
    path("referrals/<int:pk>/help-first/", views.help_first, name="referral_help_first"),
    path("referrals/<int:pk>/close/", views.close, name="referral_close"),
    path("referrals/<int:pk>/reroute/", views.reroute, name="referral_reroute"),
    path(
        "referrals/<int:pk>/verification/",
        views.link_verification,
        name="referral_link_verification",
    ),
    path("referrals/<int:pk>/chase/", views.chase, name="referral_chase"),
]
