"""Every admin page of the register renders for an administrator, and the admin's
writes go through the services (history, roles, protection of units)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from assistance.roles import Role
from members.models import AssistanceProgram, Duty, LeadingGroup, Liaison, MemberUnit, Position
from tests.factories import (
    AssistanceProgramFactory,
    PositionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [LeadingGroup, MemberUnit, Position, Duty, Liaison, AssistanceProgram]


@pytest.fixture
def register(unit, other_unit, liaison):
    PositionFactory(group=unit.group, unit=unit)
    AssistanceProgramFactory(group=unit.group, lead_unit=unit, responsible_units=[other_unit])


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_admin_page_renders(admin_client, register, model):
    opts = model._meta
    obj = model.objects.first()
    names = ["changelist", "add"]
    for name in names:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}")
        assert admin_client.get(url).status_code == 200, url
    for name in ["change", "history", "delete"]:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[obj.pk])
        assert admin_client.get(url).status_code == 200, url
    search = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(search, {"q": "区"}).status_code == 200


def test_every_register_model_is_in_the_admin_with_history():
    from simple_history.admin import SimpleHistoryAdmin

    for model in MODELS:
        assert isinstance(admin.site._registry[model], SimpleHistoryAdmin), model


def test_administrator_role_reaches_the_admin(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:members_memberunit_changelist"))
    assert response.status_code == 200


def test_unit_with_work_cannot_be_deleted_only_deactivated(admin_client, unit, liaison):
    url = reverse("admin:members_memberunit_delete", args=[unit.pk])
    response = admin_client.post(url, {"post": "yes"})
    # Django refuses and lists what protects the unit.
    assert response.status_code == 200
    assert MemberUnit.objects.filter(pk=unit.pk).exists()
    changelist = reverse("admin:members_memberunit_changelist")
    admin_client.post(changelist, {"action": "deactivate", "_selected_action": [unit.pk]})
    unit.refresh_from_db()
    assert unit.active is False
    assert unit.history.first().history_user.username == "admin"


def test_unit_code_cannot_change_once_saved(admin_client, unit):
    url = reverse("admin:members_memberunit_change", args=[unit.pk])
    assert "code" in admin_client.get(url).context["adminform"].readonly_fields


def test_new_liaison_in_unit_inline_gets_the_role(
    admin_client, unit, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(username="newliaison")
    url = reverse("admin:members_memberunit_change", args=[unit.pk])
    data = {
        "group": unit.group.pk,
        "name": unit.name,
        "short_name": "",
        "kind": unit.kind,
        "is_member": "on",
        "order": unit.order,
        "active": "on",
        "phone": "",
        "answer_days": "5",
        "duties-TOTAL_FORMS": "0",
        "duties-INITIAL_FORMS": "0",
        "liaisons-TOTAL_FORMS": "1",
        "liaisons-INITIAL_FORMS": "0",
        "liaisons-0-user": person.pk,
        "liaisons-0-title": "科员",
        "liaisons-0-phone": "010-1",
        "liaisons-0-active": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    liaison = Liaison.objects.get(user=person)
    assert liaison.unit == unit
    assert person.groups.filter(name=Role.UNIT_LIAISON).exists()
    assert [m.to for m in mailoutbox] == [[person.email]]


def test_new_liaison_in_liaison_admin_gets_the_role(admin_client, unit):
    person = UserFactory(username="another")
    url = reverse("admin:members_liaison_add")
    response = admin_client.post(
        url, {"user": person.pk, "unit": unit.pk, "title": "", "phone": "", "active": "on"}
    )
    assert response.status_code == 302
    assert Liaison.objects.get(user=person).unit == unit
    assert Group.objects.get(name=Role.UNIT_LIAISON).user_set.filter(pk=person.pk).exists()


def test_one_user_cannot_be_liaison_of_two_units(admin_client, liaison, other_unit):
    response = admin_client.post(
        reverse("admin:members_liaison_add"),
        {"user": liaison.pk, "unit": other_unit.pk, "title": "", "phone": "", "active": "on"},
    )
    assert response.status_code == 200
    assert "已存在" in response.content.decode()
    assert Liaison.objects.get(user=liaison).unit != other_unit
