"""Issue 12: a refused search by ID number keeps what was typed, so the clerk corrects the
number instead of typing it again; the page says why, in the reader's language, with 400."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "An ID number has 18 characters; this one has 17."),
        ("zh-hans", "身份证号码应为 18 位，当前输入为 17 位。"),
    ],
)
def test_refused_search_keeps_the_typed_number(client, clerk, household, language, message):
    client.force_login(clerk)
    typed = "11010519800101002"  # one character short
    response = client.post(
        reverse("verification:household_list"),
        {"id_number": typed},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert f'value="{typed}"' in content
    assert message in content
    assert "no-store" in response["Cache-Control"]


def test_a_found_number_is_not_echoed(client, clerk, household):
    client.force_login(clerk)
    applicant = household.members.get(relation="applicant")
    response = client.post(
        reverse("verification:household_list"), {"id_number": applicant.id_number}
    )
    assert response.status_code == 200
    assert [h.pk for h in response.context["page"]] == [household.pk]
    assert applicant.id_number not in response.content.decode()
