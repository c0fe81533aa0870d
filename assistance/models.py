"""Cross-cutting records: the working-day calendar the administrators maintain, the access
log of personal data, the login log, the audit events of bulk work, and in-app
notifications."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .logchain import ChainedEntry
from .notices import render


class CalendarYear(models.Model):
    """A year whose official holidays and make-up working days an administrator has entered
    (as ``CalendarDay`` rows). Until a year is marked complete here, or covered by the
    ``chinesecalendar`` package, deadlines that fall in it are provisional."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(
        _("holidays entered"),
        default=False,
        help_text=_("Tick once every holiday and make-up working day of the year is entered."),
    )
    note = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """A statutory holiday on a weekday, or a weekend day made a working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"), help_text=_("Ticked for a make-up working day, unticked for a holiday.")
    )
    name = models.CharField(_("name"), max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class AccessLog(ChainedEntry):
    """One view of personal data in full (an ID number unmasked), one search by a full ID
    number, or one download or export of a file holding personal data: who, what, when
    (UTC) and why. Written by the pages that show such data; append-only in the database
    and hash-chained (see ``assistance.logchain``)."""

    CHAIN_FIELDS = (
        "at",
        "user_id",
        "content_type_id",
        "object_id",
        "object_repr",
        "purpose",
        "action",
        "path",
    )
    # The description joins the hash only when there is one (entries written before it
    # existed keep their hashes).
    OPTIONAL_CHAIN_FIELDS = ("description",)

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("Registering or correcting the household")
        VERIFICATION = "verification", _("Answering a verification check")
        REVIEW = "review", _("Reviewing the application")
        AUDIT = "audit", _("Audit")
        # Stored as keys like the rest (they were once stored as translated text, which
        # the auditor then read in the writer's language and which did not fit the field).
        INTAKE_IDENTIFY = "intake_identify", _("Intake: identifying the applicant")
        INTAKE_FILE = "intake_file", _("Intake: reading an application's file")
        LEDGER = "ledger", _("Ledger: recording a household's assistance")

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        SEARCH = "search", _("Searched")
        DOWNLOAD = "download", _("Downloaded")
        EXPORT = "export", _("Exported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="access_logs",
    )
    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    # What was seen, described without the data itself (masked), so the log leaks nothing.
    object_repr = models.CharField(_("object"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    action = models.CharField(
        _("action"), max_length=10, choices=Action.choices, default=Action.VIEW, db_index=True
    )
    path = models.CharField(_("page"), max_length=300, blank=True)
    # What was seen as a message key and arguments (``assistance.notices``), shown in the
    # auditor's language; ``object_repr`` keeps it in the site's language, and is all that
    # entries written before this field have.
    description = models.JSONField(_("description"), null=True, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.object_repr}"

    @property
    def text(self) -> str:
        """What was seen, in the active (the reader's) language."""
        return render(self.description, self.object_repr) if self.description else self.object_repr


class LoginLog(ChainedEntry):
    """One sign-in, failed sign-in or sign-out: when (UTC), the account name typed, the
    account it matched, the address and browser it came from. Written from Django's
    authentication signals; append-only in the database and hash-chained."""

    CHAIN_FIELDS = ("at", "event", "username", "user_id", "ip_address", "user_agent", "reason")

    class Event(models.TextChoices):
        SUCCESS = "success", _("Signed in")
        FAILURE = "failure", _("Sign-in failed")
        LOGOUT = "logout", _("Signed out")

    class Reason(models.TextChoices):
        # Others (a lockout, a second factor refused) may be written by other sign-in steps.
        WRONG_PASSWORD = "wrong password", _("Wrong password")
        UNKNOWN_ACCOUNT = "unknown account", _("No such account")
        ACCOUNT_DISABLED = "account disabled", _("Account disabled")

    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    event = models.CharField(_("result"), max_length=10, choices=Event.choices)
    # As typed, so attempts on accounts that do not exist are recorded too.
    username = models.CharField(_("account name"), max_length=150, blank=True)
    # Users who ever signed in are deactivated, never deleted: the log keeps its links.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="login_logs",
    )
    # Normalised text rather than an inet column, so the hash sees what the database keeps.
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    reason = models.CharField(_("reason"), max_length=100, blank=True, choices=Reason.choices)

    class Meta:
        verbose_name = _("login log entry")
        verbose_name_plural = _("login log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["event", "at"])]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.event}"


class AuditEvent(models.Model):
    """One bulk or set-based change (an overdue sweep, a deadline recount, a batch step
    answered from a snapshot...): who or what did it, what kind of rows, how many and
    which ids. One row per sweep or chunk, never per changed row, so batches keep their
    speed; the rows themselves carry no per-row history for such changes."""

    class Action(models.TextChoices):
        OVERDUE_SWEEP = "overdue_sweep", _("Overdue checks marked")
        OVERDUE_REMINDERS = "overdue_reminders", _("Overdue reminders sent")
        DEADLINE_RECOUNT = "deadline_recount", _("Deadlines counted again")
        SNAPSHOT_ANSWER = "snapshot_answer", _("Checks answered from a registry snapshot")
        BATCH_STEP = "batch_step", _("Batch step")
        BATCH_CANCEL = "batch_cancel", _("Batch cancelled")
        DEAD_LETTERS_RESENT = "dead_letters_resent", _("Dead letters sent back to their queue")

    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # The user's name, or the named system job when no user started the work.
    actor_name = models.CharField(_("by"), max_length=150)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    object_type = models.CharField(_("kind of record"), max_length=100)
    count = models.PositiveIntegerField(_("rows changed"), default=0)
    first_id = models.PositiveBigIntegerField(_("first id"), null=True, blank=True)
    last_id = models.PositiveBigIntegerField(_("last id"), null=True, blank=True)
    summary = models.CharField(_("what changed"), max_length=300)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["action", "at"])]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


class OutboxMessage(models.Model):
    """Work to be sent to Celery, recorded in the transaction that made it due, so that it
    is not lost when the broker is down at commit: ``assistance.outbox`` sends it once the
    transaction commits and marks it sent; the sweep sends again whatever is still unsent.
    For work whose own rows already say it is due (checks still queued, batches not
    prepared, uploads not checked), the verification sweep reads those rows instead."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    queue = models.CharField(_("queue"), max_length=100, blank=True)
    # The user whose action made the work due: the task acts for them (assistance.audit).
    actor_id = models.PositiveBigIntegerField(_("started by"), null=True, blank=True)
    what = models.CharField(_("what"), max_length=200)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["sent_at", "created_at"])]
        default_permissions = ()

    def __str__(self):
        return self.what


class Notification(models.Model):
    """An in-app message to one user, with a link to the work it is about."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # The text in the site's language when written (what rows written before message keys
    # existed show); new rows are rendered from the key and arguments in the reader's.
    message = models.CharField(_("message"), max_length=300)
    message_key = models.TextField(_("message key"), blank=True)
    message_params = models.JSONField(_("message arguments"), default=dict, blank=True)
    # The e-mail subject the sender chose (a notice as JSON); empty for no e-mail unless
    # the reader asked for every notification by e-mail.
    email_subject = models.JSONField(_("e-mail subject"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        """The message in the active language (the reader's), or as stored for old rows."""
        if not self.message_key:
            return self.message
        return render({"msgid": self.message_key, "params": self.message_params}, self.message)


class NotificationPreference(models.Model):
    """How one user wants to be told: in the application always, and by e-mail for the
    messages the sender marks as needing it (the default), for every message, or never;
    and in which language the e-mails are written."""

    class Email(models.TextChoices):
        IMPORTANT = "important", _("Important messages (deadlines, questions, minutes)")
        ALL = "all", _("Every notification")
        NONE = "none", _("None: only in the application")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.CharField(
        _("notifications by e-mail"), max_length=10, choices=Email.choices, default=Email.IMPORTANT
    )
    language = models.CharField(
        _("language of e-mails"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)

    def wants_email(self, *, important: bool) -> bool:
        if self.email == self.Email.NONE:
            return False
        return important or self.email == self.Email.ALL


class Chase(models.Model):
    """One 催办: someone in the office pressed a unit about an open item (a check, a
    referral, a decision) on a day. At most one per item per (Beijing) day, kept in the
    database by the unique constraint; each app shows them on the item's history."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    day = models.DateField(_("day"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chased by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    notified = models.PositiveIntegerField(_("people notified"), default=0)

    class Meta:
        verbose_name = _("chase")
        verbose_name_plural = _("chases")
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "day"], name="one_chase_per_item_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.day} #{self.object_id}"


# History of accounts (users, their role grants and password changes) for the auditor.
# The user model is Django's, so its history is attached here rather than declared on it.
from .account_history import register_account_history  # noqa: E402

register_account_history()
from .signin.models import PasswordRecord  # noqa: E402,F401  (the sign-in's own model)
