"""Load the five seed notices and invented demo accounts, so a first run has something to
show. Safe to run again: it loads the notices only into an empty register and creates
accounts only where missing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from assistance.accounts import role_grant
from assistance.roles import Role, sync_role_groups
from dashboards.demo import demo_dashboards
from dashboards.summaries import summaries_refresh
from intake.demo import demo_intake
from ledger.demo import demo_ledger
from meetings.demo import demo_meetings
from members.models import LeadingGroup, Liaison, MemberUnit
from members.services import liaison_appoint
from monitoring.demo import demo_monitoring
from reporting.demo import demo_reporting
from verification.demo import demo_households

SEED_FIXTURES = ["mentougou", "zhangbei", "xicheng", "dehong", "huangchuan"]
# Loaded after the seed notices: what each department checks (from 000's and 004's duties).
CATALOGUE_FIXTURES = ["verification_items"]
DEMO_PASSWORD = "Demo-pass-2026"
# Demo accounts whose role requires a second factor share this published key (RFC 6238's
# test key), so a first look needs no enrolment: add it to any authenticator app, or run
# `manage.py demo_code`. Never a real account's key.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
DEMO_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

# (username, full name, role, is_staff) — invented people.
DEMO_ACCOUNTS = [
    ("admin", "李文", Role.ADMINISTRATOR, True),
    ("security", "黄静", Role.SECURITY_ADMINISTRATOR, True),
    ("clerk", "张小慧", Role.OFFICE_CLERK, False),
    ("director", "刘建国", Role.OFFICE_DIRECTOR, False),
    ("convener", "陈志远", Role.CONVENER, False),
    ("auditor", "赵明", Role.AUDITOR, False),
]

# (username, full name, group code, unit name as in the notice, title, phone)
DEMO_LIAISONS = [
    ("liaison", "王晓梅", "huangchuan", "公安局", "户政科科员", "0376-0000001"),
    ("liaison-tax", "孙立新", "huangchuan", "税务局", "征管科副科长", "0376-0000002"),
    ("liaison-housing", "周红", "huangchuan", "房管中心", "产权科科员", "0376-0000003"),
    ("liaison-mca", "吴海燕", "huangchuan", "民政局", "社会救助股股长", "0376-0000004"),
    # Huangchuan's employment assistance, in the ledger's demo (ledger/demo.py).
    ("liaison-hrss", "林志强", "huangchuan", "人社局", "就业促进股科员", "0376-0000011"),
    ("liaison-mtg", "郑凯", "mentougou", "区公安分局", "治安支队民警", "010-00000005"),
    ("liaison-xc", "钱丽", "xicheng", "区残联", "康复部干事", "010-00000006"),
    # Xicheng's units that report figures in the demo rounds (reporting/demo.py).
    ("liaison-xc-mz", "冯晓东", "xicheng", "区民政局", "社会救助科科员", "010-00000007"),
    ("liaison-xc-rs", "蒋丽华", "xicheng", "区人力社保局", "就业促进科科员", "010-00000008"),
    ("liaison-xc-fl", "韩雪", "xicheng", "区妇联", "权益部干事", "010-00000009"),
    ("liaison-xc-hsz", "杨帆", "xicheng", "区红十字会", "赈济救护部干事", "010-00000010"),
    # The subdistrict that visits the household of the demo's red warning (monitoring/demo.py).
    ("liaison-xc-tq", "马晓燕", "xicheng", "天桥街道办事处", "民政科科员", "010-00000011"),
]


class Command(BaseCommand):
    help = f"Load the seed notices and the demo accounts (password: {DEMO_PASSWORD})."

    def handle(self, *args, **options):
        sync_role_groups()
        if LeadingGroup.objects.exists():
            self.stdout.write("The register already holds groups: seed notices not reloaded.")
        else:
            for name in SEED_FIXTURES + CATALOGUE_FIXTURES:
                call_command("loaddata", f"fixtures/{name}.json", verbosity=0)
            self.stdout.write(f"Loaded {len(SEED_FIXTURES)} seed notices.")
        # Demo mail (appointments, new checks) goes to invented addresses: keep it in memory.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            accounts = self._accounts()
            self._households()
            self._meetings()
            demo_intake()
            demo_reporting()
            demo_ledger()
            demo_monitoring()
            demo_dashboards()
        # The dashboards read weekly summaries that beat rebuilds every 10 minutes; the
        # demo's own figures are there from the first page.
        summaries_refresh()
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for username, description in accounts:
            self.stdout.write(f"  {username:<16} {description}")
        enrolled = [name for name, _ in accounts if name in self._enrolled]
        if enrolled:
            self.stdout.write(
                f"Second factor for {', '.join(enrolled)}: add the key {DEMO_TOTP_SECRET} "
                "to an authenticator app, or run `.venv/bin/python manage.py demo_code`."
            )

    def _user(self, username, full_name, *, is_staff=False):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": full_name,
                "email": f"{username}@example.invalid",
                "is_staff": is_staff,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _second_factor(self, user):
        """The published demo authenticator, for accounts whose role requires one."""
        TOTPDevice.objects.get_or_create(
            user=user,
            confirmed=True,
            defaults={"name": "demo authenticator", "key": DEMO_TOTP_KEY},
        )
        self._enrolled.add(user.username)

    def _accounts(self):
        admin = self._user("admin", DEMO_ACCOUNTS[0][1], is_staff=True)
        accounts = []
        self._enrolled = set()
        for username, full_name, role, is_staff in DEMO_ACCOUNTS:
            user = self._user(username, full_name, is_staff=is_staff)
            role_grant(actor=None, user=user, role=role)
            if is_staff or role in settings.OTP_REQUIRED_ROLES:
                self._second_factor(user)
            accounts.append((username, f"{role.label} · {full_name}"))
        for username, full_name, group_code, unit_name, title, phone in DEMO_LIAISONS:
            unit = MemberUnit.objects.filter(group__code=group_code, name=unit_name).first()
            if unit is None:
                continue
            user = self._user(username, full_name)
            if not Liaison.objects.filter(user=user).exists():
                liaison_appoint(actor=admin, user=user, unit=unit, title=title, phone=phone)
            accounts.append((username, f"{Role.UNIT_LIAISON.label} · {full_name} · {unit.name}"))
        return accounts

    def _households(self):
        """Two invented households of Huangchuan with signed authorisations; the first has a
        verification request under way, so the liaisons' inboxes are not empty."""
        admin = get_user_model().objects.get(username="admin")

        def liaison_of(unit):
            # Uploads are made by the unit's liaison, or the administrator for the demo.
            liaison = unit.liaisons.filter(active=True).select_related("user").first()
            return liaison.user if liaison else admin

        demo_households(clerk=get_user_model().objects.get(username="clerk"), liaison_of=liaison_of)

    def _meetings(self):
        demo_meetings()
