"""The register of the coordination mechanism: the leading group (or joint meeting), its
office, the member units with their written duties and liaisons, and the assistance
programmes the units lead or share.

Units are referred to by every later piece of work (meetings, verification checks), so
those references protect them: a unit is deactivated, never deleted.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# A unit code becomes part of a Celery queue name (``verify.<code>``): keep it to
# characters every broker accepts in a queue name.
unit_code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]*$",
    _("Use lower-case letters, digits, hyphens and underscores, starting with a letter or digit."),
)


class LeadingGroup(models.Model):
    """A county's or district's leading group or joint meeting for basic living security,
    as set up by one official notice; its office is hosted by a member unit."""

    class Kind(models.TextChoices):
        LEADING_GROUP = "leading_group", _("Leading group")
        JOINT_MEETING = "joint_meeting", _("Joint meeting")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Used in addresses of pages.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.CharField(_("region"), max_length=100)
    notice_title = models.CharField(_("founding notice"), max_length=300, blank=True)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    issuing_office = models.CharField(_("issuing office"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    duties = models.TextField(_("duties of the group"), blank=True)
    office_host_unit = models.ForeignKey(
        "MemberUnit",
        verbose_name=_("office hosted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_offices",
    )
    office_duties = models.TextField(_("duties of the office"), blank=True)
    meeting_rule = models.TextField(
        _("meeting rule"), blank=True, help_text=_("How often the group meets, as the notice says.")
    )
    meetings_per_year = models.PositiveSmallIntegerField(
        _("regular meetings a year"), null=True, blank=True
    )
    holds_kickoff = models.BooleanField(
        _("annual kick-off meeting"), default=False, help_text=_("A meeting early in the year.")
    )
    holds_year_end = models.BooleanField(
        _("year-end review meeting"),
        default=False,
        help_text=_("A meeting at the end of the year."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("leading group")
        verbose_name_plural = _("leading groups")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("members:group_detail", kwargs={"code": self.code})


class MemberUnit(models.Model):
    """A member unit (成员单位) of a group: a department, subdistrict office, town or
    organisation, with its duties and liaisons. ``code`` names its verification queue."""

    class Kind(models.TextChoices):
        PARTY = "party", _("Party committee department")
        GOVERNMENT = "government", _("Government department")
        INSTITUTION = "institution", _("Public institution")
        SUBDISTRICT = "subdistrict", _("Subdistrict office")
        TOWNSHIP = "township", _("Town or township")
        MASS_ORGANISATION = "mass_org", _("Mass organisation")
        SOCIAL_ORGANISATION = "social_org", _("Social organisation")
        ENTERPRISE = "enterprise", _("State-owned enterprise")
        BANK = "bank", _("Financial regulator")
        OTHER = "other", _("Other")

    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[unit_code_validator],
        help_text=_(
            "Names the unit's verification queue (“verify.” followed by the code); never change it."
        ),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    is_member = models.BooleanField(
        _("member unit"),
        default=True,
        help_text=_("Unset for a unit that carries duties without being a member unit."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    answer_days = models.PositiveSmallIntegerField(
        _("working days to answer a check"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("How many working days the unit has to answer a verification check."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member unit")
        verbose_name_plural = _("member units")
        ordering = ["group", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="unit_name_unique_in_group"),
        ]

    def __str__(self):
        # Units of the same name serve different groups (every county has a 民政局): where
        # the group is loaded with the unit (select_related("group"): the admin's lists,
        # autocomplete and choices do so), the unit is named with it. A unit read alone
        # keeps its bare name, so a list never pays one query per unit for its group.
        if "group" in self._state.fields_cache:
            return self.name_with_group
        return self.name

    def get_absolute_url(self):
        return reverse("members:unit_detail", kwargs={"code": self.code})

    @property
    def group_label(self) -> str:
        return self.group.short_name or self.group.name

    @property
    def name_with_group(self) -> str:
        """``区民政局（黄川县协调机制）``: the unit's name with its group's (short) name."""
        return gettext("%(unit)s (%(group)s)") % {"unit": self.name, "group": self.group_label}

    @property
    def display_name(self):
        return self.short_name or self.name

    @property
    def permission_group_name(self):
        """The auth group through which the unit's liaisons hold object permissions."""
        return f"unit:{self.code}"

    @property
    def queue_name(self):
        """The Celery queue of the unit's verification checks."""
        return f"verify.{self.code}"


class Position(models.Model):
    """A seat in the group or its office, held by a named person (or, where the notice
    names only the post, by whoever holds it)."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        DEPUTY_LEADER = "deputy_leader", _("Deputy leader")
        MEMBER = "member", _("Member")
        OFFICE_DIRECTOR = "office_director", _("Office director")
        OFFICE_EXECUTIVE_DEPUTY = "office_executive_deputy", _("Executive deputy director")
        OFFICE_DEPUTY_DIRECTOR = "office_deputy_director", _("Office deputy director")
        OFFICE_MEMBER = "office_member", _("Office member")

    # Roles that belong to the office rather than to the group itself.
    OFFICE_ROLES = (
        Role.OFFICE_DIRECTOR,
        Role.OFFICE_EXECUTIVE_DEPUTY,
        Role.OFFICE_DEPUTY_DIRECTOR,
        Role.OFFICE_MEMBER,
    )

    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="positions"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    person = models.CharField(
        _("person"),
        max_length=60,
        blank=True,
        help_text=_("Blank where the notice names the post only."),
    )
    title = models.CharField(_("title"), max_length=200)
    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["group", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="position_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.person or self.title}"

    @property
    def is_office(self):
        return self.role in self.OFFICE_ROLES


class Duty(models.Model):
    """One duty of a unit, in the notice's own words. A unit's paragraph is split at
    sentence ends only where its sentences fall under different categories, so the
    duties of a unit read in order give the notice's text back."""

    class Category(models.TextChoices):
        DATA_VERIFICATION = "data_verification", _("Data verification")
        POLICY = "policy", _("Policy")
        FUNDING = "funding", _("Funding")
        ASSISTANCE_DELIVERY = "assistance_delivery", _("Assistance delivery")
        PUBLICITY = "publicity", _("Publicity")
        SUPERVISION = "supervision", _("Supervision")
        OTHER = "other", _("Other")

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="duties"
    )
    text = models.TextField(_("text"))
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    order = models.PositiveIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["unit", "order", "pk"]

    def __str__(self):
        return self.text[:40]


class Liaison(models.Model):
    """A user who acts for one member unit (联络员): answers its checks, submits its agenda
    items, reports its progress. A user is liaison of one unit at most."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="liaison",
    )
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="liaisons"
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)
    notified_at = models.DateTimeField(
        _("told of appointment"), null=True, blank=True, editable=False
    )
    history = HistoricalRecords(excluded_fields=["notified_at"])

    class Meta:
        verbose_name = _("liaison")
        verbose_name_plural = _("liaisons")
        ordering = ["unit", "pk"]

    def __str__(self):
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.unit})"


class AssistanceProgram(models.Model):
    """A specific assistance programme (专项救助) with the unit that leads it and the units
    responsible for it, as listed in Xicheng's notice."""

    class Kind(models.TextChoices):
        SPECIAL = "special", _("Special assistance")
        CHARITY = "charity", _("Humanitarian and charitable assistance")

    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="programs"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SPECIAL)
    content = models.TextField(_("content"))
    lead_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        related_name="led_programs",
    )
    responsible_units = models.ManyToManyField(
        MemberUnit, verbose_name=_("responsible units"), related_name="shared_programs", blank=True
    )
    responsible_text = models.TextField(
        _("responsible units as written"),
        blank=True,
        help_text=_("The notice's own list, which may end in “etc.”."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    history = HistoricalRecords(m2m_fields=[responsible_units])

    class Meta:
        verbose_name = _("assistance programme")
        verbose_name_plural = _("assistance programmes")
        ordering = ["group", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="program_name_unique_in_group"),
        ]

    def __str__(self):
        return self.name
