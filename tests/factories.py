"""factory_boy factories for the register. Invented data only."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from members.models import AssistanceProgram, Duty, LeadingGroup, Liaison, MemberUnit, Position

# Meets the password rules: 21 characters, upper and lower case and a symbol.
PASSWORD = "Correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for role in extracted:
                self.groups.add(Group.objects.get_or_create(name=role)[0])
        if create:
            self.save()

    @factory.post_generation
    def second_factor(self, create, extracted, **kwargs):
        """A user whose role requires a second factor (or who is staff) has enrolled an
        authenticator, unless the test passes ``second_factor=False``. The device is left on
        ``user.otp_device``: django-otp's own ``user_logged_in`` receiver then marks a
        session opened with ``client.force_login(user)`` as verified by it, as a real
        sign-in through the code page would. ``second_factor=True`` enrols any user."""
        if not create or extracted is False:
            return
        from django.conf import settings

        required = (
            self.is_staff
            or self.is_superuser
            or self.groups.filter(name__in=settings.OTP_REQUIRED_ROLES).exists()
        )
        if extracted or required:
            enrol_second_factor(self)


def enrol_second_factor(user):
    """Give ``user`` a confirmed authenticator and leave it on ``user.otp_device``, so that
    ``client.force_login(user)`` opens a session the device verified (django-otp's rule
    for a user object that carries the device that verified it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user.otp_device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return user


class LeadingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadingGroup

    name = factory.Sequence(lambda n: f"测试区困难群众基本生活保障工作领导小组{n}")
    short_name = "领导小组"
    code = factory.Sequence(lambda n: f"group{n}")
    kind = LeadingGroup.Kind.LEADING_GROUP
    region = "测试区"


class MemberUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberUnit

    group = factory.SubFactory(LeadingGroupFactory)
    name = factory.Sequence(lambda n: f"测试单位{n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    kind = MemberUnit.Kind.GOVERNMENT
    order = factory.Sequence(int)


class DutyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Duty

    unit = factory.SubFactory(MemberUnitFactory)
    text = factory.Sequence(lambda n: f"负责第{n}项工作。")
    category = Duty.Category.POLICY
    order = factory.Sequence(int)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    group = factory.SubFactory(LeadingGroupFactory)
    role = Position.Role.MEMBER
    person = factory.Sequence(lambda n: f"成员{n}")
    title = "副局长"
    order = factory.Sequence(int)


class LiaisonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Liaison

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(MemberUnitFactory)
    title = "科员"

    @classmethod
    def _create(cls, model_class, user, unit, **kwargs):
        # Through the service, as in the app: it grants the role and the unit's group.
        from members.services import liaison_appoint

        return liaison_appoint(actor=None, user=user, unit=unit, **kwargs)


class AssistanceProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssistanceProgram
        skip_postgeneration_save = True

    group = factory.SubFactory(LeadingGroupFactory)
    name = factory.Sequence(lambda n: f"专项救助{n}")
    content = "对生活暂时困难的居民给予救助。"
    lead_unit = factory.SubFactory(MemberUnitFactory, group=factory.SelfAttribute("..group"))

    @factory.post_generation
    def responsible_units(self, create, extracted, **kwargs):
        if create and extracted:
            self.responsible_units.set(extracted)
