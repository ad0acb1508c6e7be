"""The USCC check digit (GB 32100-2015)."""

from hypothesis import given
from hypothesis import strategies as st

from shuangsui.core import uscc

first17 = st.tuples(
    st.text(alphabet=uscc.ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=uscc.ALPHABET, min_size=9, max_size=9),
).map("".join)


def test_known_code_is_valid():
    # Computed by hand: weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28.
    assert uscc.check_digit("91370391MAP3UF2D9") == "9"
    assert uscc.is_valid("91370391MAP3UF2D99")


def test_wrong_check_digit_says_what_it_should_be():
    assert uscc.problem("91370391MAP3UF2D9G") == "check digit should be 9"


def test_letters_outside_the_alphabet_are_refused():
    assert not uscc.is_valid("91370391MAP3UF2DIO")
    assert "characters outside" in uscc.problem("9137039OMAP3UF2D99")


@given(first17)
def test_every_code_with_its_check_digit_is_valid(body):
    assert uscc.is_valid(body + uscc.check_digit(body))


@given(first17, st.sampled_from(uscc.ALPHABET))
def test_any_other_last_character_is_invalid(body, last):
    code = body + last
    assert uscc.is_valid(code) == (last == uscc.check_digit(body))


@given(
    st.lists(
        st.one_of(first17.map(lambda b: b + uscc.check_digit(b)), st.text(max_size=20), st.none()),
        max_size=50,
    )
)
def test_vectorized_check_agrees_with_the_scalar_one(codes):
    assert list(uscc.valid_mask(codes)) == [isinstance(c, str) and uscc.is_valid(c) for c in codes]


def test_non_ascii_digits_are_not_a_valid_format():
    code = "913703916081314475".replace("6", "٦")
    assert not uscc.is_valid(code)
    assert list(uscc.valid_mask([code, "913703916081314475"])) == [
        False,
        uscc.is_valid("913703916081314475"),
    ]
