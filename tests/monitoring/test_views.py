"""The monitoring's pages: the list, the scores and the evaluation are the office's (404 to
everyone else); a warning is the office's and its assigned unit's (another unit's, or an
unassigned one, is 404 to a liaison); list pages cost the same queries whatever their
rows; bad input is refused in the user's language with nothing changed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from intake.models import Application
from monitoring import services
from monitoring.models import EarlyWarning, EvaluationRun, IndicatorKind, RuleKind, ScoreIndicator
from tests.factories import LiaisonFactory, MemberUnitFactory, UserFactory
from tests.verification.factories import make_id_number, years_ago
from verification import register

from .conftest import extract, household, rule, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def warning(group, liaison, unit, items, members):
    rule(group, RuleKind.UNEMPLOYED)
    extract(liaison, unit, [(members[0].id_number, "mon-unemployed", "登记失业")])
    run()
    return EarlyWarning.objects.get()


@pytest.fixture
def assigned(warning, director, town):
    return services.warning_assign(actor=director, warning=warning, unit=town)


@pytest.fixture
def other_town_liaison(group):
    unit = MemberUnitFactory(group=group, name="城子街道办事处", code="test-chengzi")
    user = UserFactory(username="liaison-chengzi", roles=["unit_liaison"])
    return LiaisonFactory(unit=unit, user=user).user


@pytest.mark.parametrize(
    "persona", ["liaison", "town_liaison", "auditor", "convener", "administrator", "outsider"]
)
def test_office_pages_are_404_to_everyone_else(client, request, persona, assigned, family):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("monitoring:warning_list")).status_code == 404
    assert client.get(reverse("monitoring:household_score", args=[family.pk])).status_code == 404
    assert client.post(reverse("monitoring:evaluate")).status_code == 404
    response = client.post(reverse("monitoring:warning_assign", args=[assigned.pk]), {"unit": 1})
    assert response.status_code == 404


def test_a_liaison_sees_only_the_warnings_given_to_the_unit(
    client, warning, director, town, town_liaison, other_town_liaison
):
    url = reverse("monitoring:warning_detail", args=[warning.pk])
    client.force_login(town_liaison)
    assert client.get(url).status_code == 404  # not assigned yet
    services.warning_assign(actor=director, warning=warning, unit=town)
    page = client.get(url)
    assert page.status_code == 200 and "登记失业" in page.content.decode()
    assert b'data-testid="needed-form"' in page.content
    assert b'data-testid="source"' not in page.content  # where it came from: the office's
    client.force_login(other_town_liaison)
    assert client.get(url).status_code == 404
    response = client.post(
        reverse("monitoring:warning_not_needed", args=[warning.pk]), {"reason": "无需"}
    )
    assert response.status_code == 404
    warning.refresh_from_db()
    assert warning.status == EarlyWarning.Status.ASSIGNED


def test_the_office_does_not_record_visits(client, clerk, assigned):
    client.force_login(clerk)
    response = client.post(
        reverse("monitoring:warning_needed", args=[assigned.pk]), {"hardship": "困难"}
    )
    assert response.status_code == 404
    assert not Application.objects.exists()


def test_the_office_assigns_on_the_page(client, director, warning, town):
    client.force_login(director)
    page = client.get(reverse("monitoring:warning_detail", args=[warning.pk]))
    assert page.status_code == 200
    # The household's town is suggested: 大峪街道 → 大峪街道办事处.
    assert page.context["assign_form"].initial["unit"] == town.pk
    assert b'data-testid="source"' in page.content
    response = client.post(
        reverse("monitoring:warning_assign", args=[warning.pk]), {"unit": town.pk}
    )
    assert response.status_code == 302
    warning.refresh_from_db()
    assert warning.assigned_unit == town


def test_a_unit_of_another_group_is_refused_on_the_page(client, director, warning):
    elsewhere = MemberUnitFactory(name="别区街道", code="elsewhere")
    client.force_login(director)
    response = client.post(
        reverse("monitoring:warning_assign", args=[warning.pk]),
        {"unit": elsewhere.pk},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400 and "有效" in response.content.decode()
    warning.refresh_from_db()
    assert warning.assigned_unit is None


def test_the_visit_on_the_page(client, assigned, town_liaison, group, unit):
    client.force_login(town_liaison)
    url = reverse("monitoring:warning_not_needed", args=[assigned.pk])
    blank = client.post(url, {"reason": " "}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert blank.status_code == 400 and "这个字段是必填项" in blank.content.decode()
    assigned.refresh_from_db()
    assert assigned.status == EarlyWarning.Status.ASSIGNED
    response = client.post(
        reverse("monitoring:warning_needed", args=[assigned.pk]),
        {"hardship": "失业半年，无收入来源。", "requested": "就业帮扶", "phone": "13800000000"},
    )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.application.channel == Application.Channel.PROACTIVE
    page = client.get(reverse("monitoring:warning_detail", args=[assigned.pk]))
    assert assigned.application.number in page.content.decode()


def test_the_list_in_fixed_queries(
    client, clerk, group, liaison, unit, items, warning, django_assert_max_num_queries
):
    ScoreIndicator.objects.create(office=group, kind=IndicatorKind.ELDERLY, weight=Decimal("5"))
    client.force_login(clerk)
    with django_assert_max_num_queries(30) as few:
        response = client.get(reverse("monitoring:warning_list"))
    assert response.status_code == 200 and len(response.context["page"]) == 1
    people = []
    for index in range(6):
        home = household(
            clerk,
            group,
            (f"甲{index}", "applicant", 40 + index),
            (f"乙{index}", "spouse", 70 + index),
            address=f"幸福路{index}号",
        )
        people += [(m.id_number, "mon-unemployed") for m in home.members.all()]
    extract(liaison, unit, people)
    run()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("monitoring:warning_list"))
    assert len(response.context["page"]) == 12
    scores = [w.household.hardship_score.points for w in response.context["page"]]
    assert scores == sorted(scores, reverse=True)


def test_a_unit_s_visits_in_fixed_queries(
    client,
    director,
    group,
    liaison,
    unit,
    items,
    members,
    town,
    town_liaison,
    django_assert_max_num_queries,
):
    rule(group, RuleKind.UNEMPLOYED)
    extract(liaison, unit, [(members[0].id_number, "mon-unemployed")])
    run()
    services.warning_assign(actor=director, warning=EarlyWarning.objects.get(), unit=town)
    client.force_login(town_liaison)
    with django_assert_max_num_queries(30) as few:
        response = client.get(reverse("monitoring:visit_list"))
    assert len(response.context["page"]) == 1
    extract(liaison, unit, [(m.id_number, "mon-unemployed") for m in members])
    run()
    for warning in EarlyWarning.objects.filter(status=EarlyWarning.Status.RAISED):
        services.warning_assign(actor=director, warning=warning, unit=town)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("monitoring:visit_list"))
    assert len(response.context["page"]) == 3


def test_a_household_s_score_in_fixed_queries(
    client, clerk, group, liaison, unit, items, family, members, django_assert_max_num_queries
):
    ScoreIndicator.objects.create(
        office=group, kind=IndicatorKind.DISABILITY_ILLNESS, weight=Decimal("15")
    )
    ScoreIndicator.objects.create(office=group, kind=IndicatorKind.ELDERLY, weight=Decimal("5"))

    def elderly(name):
        register.member_add(
            actor=clerk,
            household=family,
            data=register.MemberData(name, "parent", make_id_number(years_ago(75))),
        )

    elderly("老甲")
    extract(liaison, unit, [(members[0].id_number, "mon-disabled")])
    run()
    client.force_login(clerk)
    url = reverse("monitoring:household_score", args=[family.pk])
    with django_assert_max_num_queries(30) as few:
        response = client.get(url)
    assert response.status_code == 200 and len(response.context["score"].contributions) == 2
    assert "mon-disabled" in response.content.decode()  # the record, named
    elderly("老乙")
    extract(liaison, unit, [(m.id_number, "mon-disabled") for m in family.members.all()])
    run()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["score"].contributions) == 7


def test_the_office_asks_for_an_evaluation_on_the_page(client, clerk, group):
    rule(group, RuleKind.ELDERLY_ALONE)
    client.force_login(clerk)
    response = client.post(reverse("monitoring:evaluate"))
    assert response.status_code == 302
    assert EvaluationRun.objects.get().started_by == clerk
