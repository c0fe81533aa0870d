"""Resident ID numbers (GB 11643-1999): every kind of mistake is refused with its own
message, and lists show a number masked.

The check character is computed here from the standard's own definition, not with the
module's helper, so a wrong weight or check table in the module fails these tests."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from assistance.idnumbers import mask_id_number, normalize_id_number, validate_id_number

# GB 11643-1999: weight of position i (1-based, from the left) is 2^(18-i) mod 11.
STANDARD_WEIGHTS = [pow(2, 18 - i, 11) for i in range(1, 18)]
# The check character a1 satisfies Σ aᵢ·Wᵢ (i = 1..18, W₁₈ = 1) ≡ 1 (mod 11), 10 written X.


def standard_check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, STANDARD_WEIGHTS, strict=True))
    value = (1 - total) % 11
    return "X" if value == 10 else str(value)


def with_check(first17: str) -> str:
    return first17 + standard_check_character(first17)


def error_of(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        validate_id_number(value)
    return caught.value


def message_of(error: ValidationError) -> str:
    with translation.override("en"):
        return error.messages[0]


def test_the_standards_weights_are_the_designs():
    # The design writes the weights out; the standard defines them as 2^(18-i) mod 11.
    assert STANDARD_WEIGHTS == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def test_the_standards_example_is_valid():
    assert standard_check_character("11010519491231002") == "X"
    validate_id_number("11010519491231002X")


def test_a_lower_case_x_and_spaces_are_normalised():
    assert normalize_id_number(" 110105 19491231 002x ") == "11010519491231002X"
    validate_id_number("11010519491231002x")
    validate_id_number("110105 19491231 002X")


@pytest.mark.parametrize(
    "first17",
    [
        "44030419800101001",  # check character computed below
        "51010720000229123",  # born on a leap day
        "62010219880808876",
        "32058319991231001",
        "11010120100101002",
    ],
)
def test_numbers_built_with_the_standard_are_valid(first17):
    validate_id_number(with_check(first17))


def test_every_check_character_including_x_and_0_is_accepted():
    # Vary the sequence number until each of the 11 possible check characters has turned up.
    seen = {}
    for sequence in range(1000):
        first17 = f"11010519850615{sequence:03d}"
        seen.setdefault(standard_check_character(first17), first17)
        if len(seen) == 11:
            break
    assert set(seen) == set("0123456789X")
    for first17 in seen.values():
        validate_id_number(with_check(first17))


@pytest.mark.parametrize("value", ["", "1101051949123100", "11010519491231002X1"])
def test_a_wrong_length_is_refused_with_the_length(value):
    error = error_of(value)
    assert error.code == "id_length"
    assert message_of(error) == (f"An ID number has 18 characters; this one has {len(value)}.")


@pytest.mark.parametrize(
    "value", ["11010519491231002Y", "X1010519491231002X", "1101051949123100-X"]
)
def test_characters_other_than_digits_and_a_final_x_are_refused(value):
    error = error_of(value)
    assert error.code == "id_characters"
    assert message_of(error) == "An ID number is 17 digits followed by a digit or X."


@pytest.mark.parametrize("birth", ["19490230", "19491301", "20230229", "19490000"])
def test_an_impossible_birth_date_is_refused(birth):
    # A correct check character, so only the date can be what is wrong.
    error = error_of(with_check(f"110105{birth}002"))
    assert error.code == "id_birth_date"
    assert message_of(error) == (
        f"Digits 7 to 14 of an ID number are the birth date; {birth} is not a date."
    )


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    error = error_of(with_check(f"110105{tomorrow:%Y%m%d}002"))
    assert error.code == "id_birth_date"
    assert message_of(error) == (
        f"The birth date in this ID number, {tomorrow.isoformat()}, is not possible."
    )


def test_a_birth_date_today_is_accepted():
    validate_id_number(with_check(f"110105{datetime.date.today():%Y%m%d}002"))


def test_a_birth_date_before_1880_is_refused():
    error = error_of(with_check("11010518790101002"))
    assert error.code == "id_birth_date"
    assert "1879-01-01" in message_of(error)


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",  # the last character changed
        "11010519491231003X",  # a digit changed
        "11010519491213002X",  # two digits swapped
    ],
)
def test_a_wrong_check_character_is_refused(value):
    error = error_of(value)
    assert error.code == "id_checksum"
    assert message_of(error) == (
        "The last character does not match the others: check the number for a typing mistake."
    )


def test_masking_keeps_the_first_six_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("") == ""
    # Too short to show anything safely.
    assert mask_id_number("1234567890") == "**********"


# --- Other forms of digits ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and X
        "１１０１０５１９４９１２３１００２ｘ",  # full-width lower-case x
        "110105\u300019491231\u3000002x",  # full-width spaces
        " 110105 19491231 002X\n",
    ],
)
def test_other_forms_normalise_to_the_ascii_number(typed):
    assert normalize_id_number(typed) == "11010519491231002X"
    validate_id_number(typed)


def test_digits_of_other_scripts_are_refused():
    with pytest.raises(ValidationError):
        validate_id_number("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X")
