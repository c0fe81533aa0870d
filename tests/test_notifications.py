"""Notifications: stored as a message key and arguments and shown in the reader's language,
e-mailed by a task according to each user's preference (idempotent), the preference page,
and the once-a-day chase rule of the base layer."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from assistance.models import Chase, Notification, NotificationPreference, OutboxMessage
from assistance.notices import label, notice
from assistance.services import (
    ChaseRefused,
    chase_record,
    notifications_email,
    notify,
)
from meetings.models import AgendaItem

# A msgid that exists in the catalogue (the overdue sweep's reminder).
OVERDUE = gettext_noop("%(count)d verification checks of your unit are overdue.")


def test_a_notice_is_shown_in_the_readers_language_whoever_wrote_it(client, liaison):
    with translation.override("en"):  # an English-speaking clerk's action caused it
        notify(users=[liaison], message=notice(OVERDUE, count=3), url="/verification/inbox/")
    row = Notification.objects.get(user=liaison)
    assert row.message_key == OVERDUE and row.message_params == {"count": 3}
    client.force_login(liaison)
    chinese = client.get(reverse("notifications"), headers={"accept-language": "zh-hans"})
    assert "本单位有 3 项核查任务已逾期。" in chinese.content.decode()
    english = client.get(reverse("notifications"), headers={"accept-language": "en"})
    assert "3 verification checks of your unit are overdue." in english.content.decode()


def test_rows_written_before_message_keys_keep_their_stored_text(client, liaison):
    Notification.objects.create(user=liaison, message="旧的提醒：请处理。")
    client.force_login(liaison)
    page = client.get(reverse("notifications"), headers={"accept-language": "en"})
    assert "旧的提醒：请处理。" in page.content.decode()


def test_an_argument_may_be_a_label_rendered_in_the_readers_language(liaison):
    verdict = label(AgendaItem.Status.RETURNED.label)
    notify(
        users=[liaison],
        message=notice(
            gettext_noop("Your agenda item “%(title)s” was %(verdict)s."),
            title="低保扩面",
            verdict=verdict,
        ),
    )
    row = Notification.objects.get(user=liaison)
    with translation.override("en"):
        assert row.text == "Your agenda item “低保扩面” was Returned with comments."
    with translation.override("zh-hans"):
        assert "低保扩面" in row.text and "Returned" not in row.text


def test_a_broken_argument_falls_back_to_the_stored_text(liaison):
    notify(users=[liaison], message=notice(OVERDUE, wrong="x"))
    row = Notification.objects.get(user=liaison)
    assert row.text  # never an exception on the page
    assert "%(count)d" in row.text


def _send(users, **kwargs):
    notify(users=users, message=notice(OVERDUE, count=2), url="/verification/inbox/", **kwargs)


def test_important_messages_are_emailed_in_the_recipients_language_once(
    liaison, other_liaison, mailoutbox, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=other_liaison, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        _send(
            [liaison, other_liaison],
            email_subject=notice(gettext_noop("Overdue verification checks")),
        )
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {liaison.email, other_liaison.email}
    assert by_address[liaison.email].subject == "核查任务逾期提醒"
    assert "本单位有 2 项核查任务已逾期。" in by_address[liaison.email].body
    assert by_address[other_liaison.email].subject == "Overdue verification checks"
    assert "2 verification checks of your unit are overdue." in by_address[other_liaison.email].body
    assert "/verification/inbox/" in by_address[liaison.email].body
    # The task is idempotent: the same message sent again (the outbox sweep) mails no one.
    message = OutboxMessage.objects.get(task="assistance.tasks.notifications_email_task")
    assert notifications_email(message.args[0]) == 0
    assert len(mailoutbox) == 2
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_preferences_choose_which_messages_are_emailed(
    liaison, other_liaison, clerk, mailoutbox, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=liaison, email="none")
    NotificationPreference.objects.create(user=other_liaison, email="all", language="en")
    clerk.email = ""
    clerk.save()
    with django_capture_on_commit_callbacks(execute=True):
        _send([liaison, other_liaison, clerk])  # not marked important: no subject
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([other_liaison.email], "A new notification")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        _send([liaison, clerk], email_subject=notice(gettext_noop("Overdue verification checks")))
    assert len(mailoutbox) == 1  # "none" and no address: nothing more
    assert Notification.objects.filter(user=liaison).count() == 2  # still in the application


def test_the_preference_page_saves_the_users_choice(client, liaison):
    client.force_login(liaison)
    url = reverse("notification_preferences")
    page = client.get(url, headers={"accept-language": "zh-hans"})
    assert page.status_code == 200
    assert "通知设置" in page.content.decode()
    response = client.post(url, {"email": "all", "language": "en"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=liaison)
    assert (preference.email, preference.language) == ("all", "en")
    assert preference.history.first().history_user == liaison


def test_a_bad_preference_is_refused_and_nothing_changes(client, liaison):
    client.force_login(liaison)
    response = client.post(
        reverse("notification_preferences"),
        {"email": "sometimes", "language": "fr"},
        headers={"accept-language": "zh-hans"},
    )
    assert response.status_code == 400
    assert "有效" in response.content.decode() or "选择" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_preferences_need_sign_in(client, db):
    response = client.get(reverse("notification_preferences"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_item_is_chased_at_most_once_a_day(clerk, director, liaison):
    item = liaison  # any row will do: the rule is the base layer's, for any model
    chase_record(actor=clerk, obj=item, liaisons=[director], unit_name="区民政局")
    with translation.override("en"), pytest.raises(ChaseRefused) as refused:
        chase_record(actor=director, obj=item, liaisons=[clerk], unit_name="区民政局")
    assert "already chased today" in str(refused.value)
    assert clerk.username in str(refused.value) or clerk.get_full_name() in str(refused.value)
    assert Chase.objects.count() == 1
    chase_record(
        actor=clerk, obj=director, liaisons=[director], unit_name="区民政局"
    )  # another item: its own day
    assert Chase.objects.count() == 2


# --- The access log in the auditor's language ---------------------------------------------------


def test_the_access_log_is_shown_in_the_auditors_language(client, clerk, auditor, liaison):
    from django.core.management import call_command

    from assistance.models import AccessLog
    from assistance.services import access_log_record

    with translation.override("en"):  # an English-speaking clerk looked
        access_log_record(
            user=clerk,
            obj=liaison,
            purpose=AccessLog.Purpose.AUDIT,
            description=notice(
                gettext_noop("ID number of member #%(pk)s (%(masked)s)"),
                pk=7,
                masked="110105********3883",
            ),
        )
    # An entry from before descriptions were kept: its stored text, as written.
    access_log_record(
        user=clerk, obj=liaison, purpose=AccessLog.Purpose.AUDIT, description="旧的描述"
    )
    client.force_login(auditor)
    chinese = client.get(reverse("access_log"), headers={"accept-language": "zh-hans"})
    assert "第 7 号成员的身份证号码（110105********3883）" in chinese.content.decode()
    assert "旧的描述" in chinese.content.decode()
    english = client.get(reverse("access_log"), headers={"accept-language": "en"})
    assert "ID number of member #7 (110105********3883)" in english.content.decode()
    # The description is part of the hash chain, which still verifies.
    call_command("verify_log_chain")


def test_a_caller_that_mails_itself_sends_no_second_mail(
    liaison, mailoutbox, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=liaison, email="all")
    with django_capture_on_commit_callbacks(execute=True):
        _send([liaison], mailed_separately=True)
    assert mailoutbox == []
    assert Notification.objects.filter(user=liaison).count() == 1
