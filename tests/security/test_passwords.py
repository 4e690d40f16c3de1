"""#1 password complexity (等保 8.1.4.1 a; ASVS 6.2.x with the recorded composition deviation)
and the reuse history."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from portal.passwords import generate_initial_password
from tests.factories.portal import user_with_role

OK, BAD = True, False
# (password, expected outcome, why) — 40 cases, classified by the AUTH_PASSWORD_VALIDATORS chain.
CASES = [
    ("Ab1!", BAD, "4 chars"),
    ("Short1!a", BAD, "8 chars"),
    ("Abcdefg1!xy", BAD, "11 chars"),
    ("abcdefghijklmnop", BAD, "1 class"),
    ("abcdefghijk12345", BAD, "2 classes: lower+digit"),
    ("ABCDEFGHIJK!!!!!", BAD, "2 classes: upper+symbol"),
    ("correcthorsebatterystaple", BAD, "long but 1 class"),
    ("123456789012345", BAD, "numeric"),
    ("Password123456!", BAD, "common word password"),
    ("Qwerty-2026-Strong", BAD, "keyboard walk"),
    ("Zhenjiang-2026-pw", BAD, "context word zhenjiang"),
    ("zhen jiang 2026 PW!", BAD, "context word with separator"),
    ("ZhenJiang@2026Xy", BAD, "context word, mixed case"),
    ("镇江人社2026abcXY", BAD, "context word 镇江"),
    ("我爱镇江Abc12345", BAD, "context word 镇江 inside"),
    ("Jineng-Dashi-2026", BAD, "context words jineng/dashi"),
    ("技能大师Abc12345", BAD, "context word 技能"),
    ("Gongzuoshi#2026a", BAD, "context word gongzuoshi"),
    ("ZJRS-Portal-2026", BAD, "context word zjrs"),
    ("P@ssw0rd-Lantern9", BAD, "leet password"),
    ("Admin-Lantern-77", BAD, "admin"),
    ("Welcome-To-Work-1", BAD, "welcome"),
    ("Mima-Lantern-2026", BAD, "mima (密码)"),
    ("p_pwuser1-Lantern9X", BAD, "contains the username"),
    ("华晟精密Lantern-9", BAD, "the user's unit short name"),
    ("x" * 129 + "A1!", BAD, "over 128 chars"),
    ("Lantern-Violet-93", OK, "3 classes + symbol, 17 chars"),
    ("Kq7#mV2$pL9!", OK, "12 chars, 4 classes"),
    ("tidal-Orbit-4471", OK, "passphrase-like, 4 classes"),
    ("Correct Horse Battery 9", OK, "passphrase with spaces"),
    ("the quick brown fox jumps over the lazy dog 2026 Yes", OK, "52-char passphrase"),
    ("A" + "b" * 60 + "1!x", OK, "64-char password"),
    ("长江大桥Lantern-88", OK, "pasted Chinese + ASCII"),
    ("青山绿水ABCdefgh", OK, "Chinese counts as the symbol class"),
    ("ｆｕｌｌｗｉｄｔｈ Ｌａｎｔｅｒｎ ９", OK, "full-width text (NFKC)"),
    ("Ωmega-Lantern-47", OK, "Greek letter counts as other"),
    ("mountain7RIVER!!", OK, "4 classes"),
    ("glacier-ember-91", OK, "lower+symbol+digit"),
    ("GLACIER-EMBER-91", OK, "upper+symbol+digit"),
    ("Glacier9Ember2Fox", OK, "upper+lower+digit"),
]


def test_forty_cases_are_listed():
    assert len(CASES) == 40


@pytest.mark.django_db
def test_forty_passwords_classified_as_expected(world):
    user = user_with_role("unit", unit=world.unit_a, username="p_pwuser1", full_name="测试用户")
    results = []
    for password, expected, why in CASES:
        try:
            validate_password(password, user)
            ok = True
        except ValidationError:
            ok = False
        results.append((why, ok == expected))
    wrong = [why for why, right in results if not right]
    print(wrong)
    print(f"FIGURE #1: {len(CASES) - len(wrong)}/{len(CASES)} classified as expected")
    assert wrong == []


@pytest.mark.django_db
def test_recent_passwords_cannot_be_reused(world):
    user = world.users["unit"]
    for i in range(5):
        user.set_password(f"Lantern-Violet-{i}x9")
        user.save()
    with pytest.raises(ValidationError, match="最近5次"):
        validate_password("Lantern-Violet-0x9", user)
    user.set_password("Lantern-Violet-5x9")
    user.save()
    validate_password("Lantern-Violet-0x9", user)  # now the 6th-oldest: allowed again
    assert user.password_history.count() == 5


@pytest.mark.django_db
def test_saving_a_password_stamps_password_changed_at(world):
    user = world.users["unit"]
    user.password_changed_at = None
    user.save()
    user.set_password("Lantern-Violet-93")
    user.save()
    user.refresh_from_db()
    assert user.password_changed_at is not None


def test_generated_initial_passwords_pass_the_policy():
    for _ in range(20):
        validate_password(generate_initial_password())
