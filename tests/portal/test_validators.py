"""Tests for portal.validators (examples + hypothesis properties)."""

from __future__ import annotations

import contextlib
import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from portal import validators as v

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


def error_code(func, value) -> str:
    with pytest.raises(ValidationError) as excinfo:
        func(value)
    [error] = excinfo.value.error_list
    return error.code


def error_message(func, value) -> str:
    with pytest.raises(ValidationError) as excinfo:
        func(value)
    [message] = excinfo.value.messages
    return message


# ---------------------------------------------------------------------------
# Independent oracles (weights derived from the standards' formulas, not
# copied from the module): GB 11643 w_i = 2^(17-i) mod 11, check value
# (12 - S mod 11) mod 11 with 10 → X; GB 32100 w_i = 3^i mod 31.
# ---------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def oracle_id_valid(number: str) -> bool:
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        return False
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= birth <= v._today():
        return False
    total = sum(int(ch) * (2 ** (17 - i) % 11) for i, ch in enumerate(number[:17]))
    check = (12 - total % 11) % 11
    return number[17] == ("X" if check == 10 else str(check))


def oracle_uscc_valid(code: str) -> bool:
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return False
    total = sum(USCC_ALPHABET.index(ch) * (3**i % 31) for i, ch in enumerate(code[:17]))
    return USCC_ALPHABET.index(code[17]) == (31 - total % 31) % 31


def make_id(area: int, birth: date, seq: int) -> str:
    first17 = f"{area:06d}{birth:%Y%m%d}{seq:03d}"
    return first17 + v.id_check_char(first17)


# ---------------------------------------------------------------------------
# normalize_text
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  １２３　ＡＢＣ ｄｅｆ  ", "123 ABC def"),
        ("镇江市\t技能\n\n大师", "镇江市 技能 大师"),
        ("国有（市属），民营：是！", "国有（市属），民营：是！"),
        ("办公面积５０㎡……", "办公面积50㎡……"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        (None, ""),
        (123, "123"),
    ],
)
def test_normalize_text(raw, expected):
    assert v.normalize_text(raw) == expected


def test_normalize_text_multiline():
    raw = "\r\n　　第一段  内容　\r\n\r\n\r\n\r\n第二段\t\t结束  \r\n  \r\n"
    assert v.normalize_text(raw, multiline=True) == "  第一段 内容\n\n第二段 结束"


@PROPERTY_SETTINGS
@given(st.text(), st.booleans())
def test_normalize_text_is_idempotent(raw, multiline):
    once = v.normalize_text(raw, multiline=multiline)
    assert v.normalize_text(once, multiline=multiline) == once
    assert once == once.strip() or multiline


# ---------------------------------------------------------------------------
# Resident ID numbers
# ---------------------------------------------------------------------------


def test_known_good_id_number():
    v.validate_id_number("11010519491231002X")
    assert v.id_number_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert v.id_number_gender("11010519491231002X") == "F"
    assert v.id_number_age("11010519491231002X", on=date(2023, 5, 5)) == 73
    assert v.id_number_age("11010519491231002X", on=date(2023, 12, 31)) == 74


def test_gb11643_example_has_correct_check_char_but_is_born_before_1900():
    # The standard's own example (born 1880-01-01): the check character is
    # right, but the portal rejects birth dates before 1900.
    assert v.id_check_char("44052418800101001") == "4"
    assert error_code(v.validate_id_number, "440524188001010014") == "id_number_birth_date_too_early"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105\u300019491231002x",
    ],
)
def test_id_number_normalization(raw):
    assert v.normalize_id_number(raw) == "11010519491231002X"
    v.validate_id_number(raw)  # validators normalise by themselves
    assert v.is_valid_id_number(raw)


def test_residence_permit_prefixes_accepted():
    for prefix in ("81", "82", "83"):
        number = make_id(int(prefix + "0000"), date(1980, 6, 15), 123)
        v.validate_id_number(number)
        assert v.id_number_gender(number) == "M"


def test_unknown_address_code_accepted():
    v.validate_id_number(make_id(999999, date(1975, 1, 1), 2))
    v.validate_id_number(make_id(0, date(1975, 1, 1), 2))


def test_id_number_errors():
    future = v._today() + timedelta(days=366)
    cases = {
        "110105491231002": "id_number_legacy",
        "11010519491231002": "id_number_length",
        "11010519491231002XX": "id_number_length",
        "": "id_number_length",
        "1101051949123100AX": "id_number_characters",
        "X10105194912310021": "id_number_characters",
        make_id(110105, date(1949, 12, 31), 2)[:6] + "19490230" + "0021": "id_number_birth_date_invalid",
        "110105194913310021": "id_number_birth_date_invalid",
        make_id(110105, future, 2): "id_number_birth_date_future",
        make_id(110105, date(1899, 12, 31), 2): "id_number_birth_date_too_early",
        "110105194912310021": "id_number_checksum",
    }
    for number, code in cases.items():
        assert error_code(v.validate_id_number, number) == code, number


def test_id_number_messages_are_chinese_and_distinct():
    messages = {
        error_message(v.validate_id_number, number)
        for number in [
            "110105491231002",
            "11010519491231002",
            "1101051949123100AX",
            "110105194913310021",
            make_id(110105, v._today() + timedelta(days=1), 2),
            make_id(110105, date(1899, 12, 31), 2),
            "110105194912310021",
        ]
    }
    assert len(messages) == 7
    assert all("身份证" in message for message in messages)
    assert "18位" in error_message(v.validate_id_number, "110105491231002")
    assert "17位" in error_message(v.validate_id_number, "11010519491231002")
    assert "19491331" in error_message(v.validate_id_number, "110105194913310021")


def test_birth_date_today_is_accepted():
    v.validate_id_number(make_id(320000, v._today(), 1))


def test_id_helpers_raise_validation_error_for_invalid_numbers():
    for func in (v.id_number_birth_date, v.id_number_gender, v.id_number_age):
        with pytest.raises(ValidationError):
            func("110105194912310021")


def test_id_check_char_rejects_bad_input():
    for bad in ("1234", "1101051949123100X", "１１０１０５１９４９１２３１００２", None):
        with pytest.raises(ValueError):
            v.id_check_char(bad)


def test_upgrade_id_number_15():
    upgraded = v.upgrade_id_number_15("110105491231002")
    assert upgraded == "11010519491231002X"
    with pytest.raises(ValueError):
        v.upgrade_id_number_15("11010519491231002X")


valid_ids = st.builds(
    lambda area, birth, seq: (make_id(area, birth, seq), birth, seq),
    st.integers(0, 999_999),
    st.dates(min_value=date(1900, 1, 1), max_value=v._today()),
    st.integers(0, 999),
)


@PROPERTY_SETTINGS
@given(valid_ids)
def test_generated_ids_validate_and_round_trip(generated):
    number, birth, seq = generated
    v.validate_id_number(number)
    v.validate_id_number(number.lower())
    assert oracle_id_valid(number)
    assert v.normalize_id_number(number) == number
    assert v.id_number_birth_date(number) == birth
    assert v.id_number_gender(number) == ("M" if seq % 2 else "F")


@PROPERTY_SETTINGS
@given(valid_ids, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_single_character_change_breaks_id(generated, position, replacement):
    number = generated[0]
    if number[position] == replacement:
        replacement = "0" if replacement != "0" else "1"
    changed = number[:position] + replacement + number[position + 1 :]
    expected = oracle_id_valid(changed)
    assert v.is_valid_id_number(changed) == expected
    # All weights are non-zero mod 11 (a prime), so no single substitution can
    # keep the checksum: the oracle must never accept the changed number.
    assert not expected


@PROPERTY_SETTINGS
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789Xx １２３ｘ-", min_size=14, max_size=20),
        st.integers(),
        st.none(),
    )
)
def test_id_garbage_only_raises_validation_error(value):
    normalized = v.normalize_id_number(value)
    assert v.normalize_id_number(normalized) == normalized
    try:
        v.validate_id_number(value)
    except ValidationError as exc:
        assert exc.error_list[0].code.startswith("id_number_")
    else:
        assert oracle_id_valid(v.normalize_id_number(value))


# ---------------------------------------------------------------------------
# 统一社会信用代码
# ---------------------------------------------------------------------------


def test_known_good_uscc():
    v.validate_uscc("91350100M000100Y43")
    assert v.uscc_check_char("91350100M000100Y4") == "3"
    assert v.is_valid_uscc("91350100M000100Y43")


@pytest.mark.parametrize(
    "raw", ["91350100m000100y43", " 9135 0100 M000 100Y 43 ", "９１３５０１００Ｍ０００１００Ｙ４３"]
)
def test_uscc_normalization(raw):
    assert v.normalize_uscc(raw) == "91350100M000100Y43"
    v.validate_uscc(raw)


def test_uscc_errors():
    cases = {
        "91350100M000100Y4": "uscc_length",
        "": "uscc_length",
        "91350100M000100Y433": "uscc_length",
        "91350100M0001OOY43": "uscc_characters",
        "91350100M000100Y4-": "uscc_characters",
        "91350100M000100Y44": "uscc_checksum",
    }
    for code, error in cases.items():
        assert error_code(v.validate_uscc, code) == error, code
    messages = {error: error_message(v.validate_uscc, code) for code, error in cases.items()}
    assert len(set(messages.values())) == 3
    assert "17位" in error_message(v.validate_uscc, "91350100M000100Y4")
    assert "I、O、S、V、Z" in messages["uscc_characters"]
    assert "校验位" in messages["uscc_checksum"]


def test_uscc_check_char_rejects_bad_input():
    for bad in ("91350100M000100Y", "91350100M000100O4", None):
        with pytest.raises(ValueError):
            v.uscc_check_char(bad)


valid_usccs = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17).map(
    lambda first17: first17 + v.uscc_check_char(first17)
)


@PROPERTY_SETTINGS
@given(valid_usccs)
def test_generated_usccs_validate(code):
    v.validate_uscc(code)
    v.validate_uscc(code.lower())
    assert oracle_uscc_valid(code)


@PROPERTY_SETTINGS
@given(valid_usccs, st.integers(0, 17), st.sampled_from(USCC_ALPHABET + "IOSVZ"))
def test_single_character_change_breaks_uscc(code, position, replacement):
    if code[position] == replacement:
        replacement = "0" if replacement != "0" else "1"
    changed = code[:position] + replacement + code[position + 1 :]
    expected = oracle_uscc_valid(changed)
    assert v.is_valid_uscc(changed) == expected
    # 31 is prime and every weight is non-zero mod 31: never still valid.
    assert not expected


@PROPERTY_SETTINGS
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=USCC_ALPHABET + "iosvz ９Ｍ", min_size=16, max_size=20),
        st.integers(),
        st.none(),
    )
)
def test_uscc_garbage_only_raises_validation_error(value):
    normalized = v.normalize_uscc(value)
    assert v.normalize_uscc(normalized) == normalized
    try:
        v.validate_uscc(value)
    except ValidationError as exc:
        assert exc.error_list[0].code.startswith("uscc_")
    else:
        assert oracle_uscc_valid(v.normalize_uscc(value))


# ---------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+86-13800138000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("＋８６　１３８００１３８０００", "13800138000"),
        ("0511-85340338", "0511-85340338"),
        ("051185340338", "0511-85340338"),
        ("0511 8534 0338", "0511-85340338"),
        ("０５１１－８５３４０３３８", "0511-85340338"),
        ("0511—85340338", "0511-85340338"),
        ("（0511）85340338", "0511-85340338"),
        ("(0511) 8534-0338", "0511-85340338"),
        ("0511-8534-0338", "0511-85340338"),
        ("051185340338-12", "0511-85340338-12"),
        ("02012345678", "020-12345678"),
        ("0511-8534-03", "0511-8534-03"),
        ("+86 511 85340338", "0511-85340338"),
        ("+86 0511 85340338", "0511-85340338"),
        ("01012345678", "010-12345678"),
        ("0511-85340338转123", "0511-85340338-123"),
        ("0511-85340338 ext. 9", "0511-85340338-9"),
        ("85340338", "85340338"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_phone(raw, expected):
    assert v.normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 19912345678",
        "0511-85340338",
        "051185340338",
        "010-12345678",
        "0511-85340338-123",
        "0512-5678123",
        "（0511）85340338",
    ],
)
def test_validate_phone_accepts(raw):
    v.validate_phone(raw)


def test_validate_phone_errors():
    assert error_code(v.validate_phone, "85340338") == "landline_missing_area_code"
    assert error_code(v.validate_phone, "12345678901") == "phone_invalid"
    assert error_code(v.validate_phone, "1380013800") == "phone_invalid"
    assert error_code(v.validate_phone, "abc") == "phone_invalid"
    message = error_message(v.validate_phone, "12345678901")
    assert "11位手机号" in message and "0511-85340338" in message
    assert "区号" in error_message(v.validate_phone, "85340338")


def test_validate_mobile_and_landline():
    v.validate_mobile("+8613800138000")
    v.validate_mobile("１３８００１３８０００")
    assert error_code(v.validate_mobile, "0511-85340338") == "mobile_invalid"
    assert error_code(v.validate_mobile, "12800138000") == "mobile_invalid"
    v.validate_landline("0511-85340338")
    v.validate_landline("０５１１８５３４０３３８")
    assert error_code(v.validate_landline, "13800138000") == "landline_invalid"
    assert error_code(v.validate_landline, "85340338") == "landline_missing_area_code"


@PROPERTY_SETTINGS
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789+-() 转０－（）", max_size=24),
        st.none(),
    )
)
def test_phone_garbage_only_raises_validation_error(value):
    normalized = v.normalize_phone(value)
    assert v.normalize_phone(normalized) == normalized
    for validator in (v.validate_phone, v.validate_mobile, v.validate_landline):
        with contextlib.suppress(ValidationError):
            validator(value)


@PROPERTY_SETTINGS
@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"), st.sampled_from(["", "+86", "0086", "+86-", "86 "]))
def test_generated_mobiles_validate(mobile, prefix):
    assert v.normalize_phone(prefix + mobile) == mobile
    v.validate_mobile(prefix + mobile)
    v.validate_phone(prefix + mobile)


# ---------------------------------------------------------------------------
# Postcodes
# ---------------------------------------------------------------------------


def test_postcode():
    v.validate_postcode("212001")
    v.validate_postcode("２１２００１")
    v.validate_postcode(" 212 000 ")
    assert v.normalize_postcode("２１２ ００１") == "212001"
    for bad in ("21200", "2120011", "21200a", ""):
        assert error_code(v.validate_postcode, bad) == "postcode_invalid"


def test_postcode_warning():
    assert v.postcode_warning("212001") is None
    assert v.postcode_warning("２１２０００") is None
    warning = v.postcode_warning("210000")
    assert isinstance(warning, str)
    assert "212" in warning and "210000" in warning
    assert v.postcode_warning("") is None
    assert v.postcode_warning("abc") is None
    assert v.postcode_warning("215000", expected_prefix="215") is None


@PROPERTY_SETTINGS
@given(st.one_of(st.text(), st.none(), st.integers()))
def test_postcode_garbage_only_raises_validation_error(value):
    with contextlib.suppress(ValidationError):
        v.validate_postcode(value)
    v.postcode_warning(value)


# ---------------------------------------------------------------------------
# Form fields
# ---------------------------------------------------------------------------


def test_id_number_field():
    field = v.IDNumberField()
    assert field.clean("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"
    with pytest.raises(ValidationError) as excinfo:
        field.clean("110105194912310021")
    assert excinfo.value.error_list[0].code == "id_number_checksum"
    with pytest.raises(ValidationError) as excinfo:
        field.clean("   ")
    assert excinfo.value.error_list[0].code == "required"
    assert v.IDNumberField(required=False).clean("") == ""
    assert "身份证" in str(field.help_text)
    attrs = field.widget_attrs(field.widget)
    assert attrs["maxlength"] == "24"


def test_other_fields():
    assert v.USCCField().clean("91350100m000100y43") == "91350100M000100Y43"
    assert v.PhoneField().clean("+86 138 0013 8000") == "13800138000"
    assert v.PhoneField().clean("051185340338") == "0511-85340338"
    assert v.MobileField().clean("１３８００１３８０００") == "13800138000"
    assert v.LandlineField().clean("（0511）85340338") == "0511-85340338"
    assert v.PostcodeField().clean("２１２００１") == "212001"
    with pytest.raises(ValidationError):
        v.MobileField().clean("0511-85340338")
    with pytest.raises(ValidationError):
        v.PostcodeField().clean("2120")
    field = v.PhoneField(help_text="自定义", max_length=20)
    assert field.help_text == "自定义"
    assert field.widget_attrs(field.widget)["maxlength"] == "20"
    assert field.widget_attrs(field.widget)["inputmode"] == "tel"
