"""security.md #26: input validity, fuzzed through the real views (hypothesis + the test client).

Every form a unit, a channel officer or the city officer posts: the Annex 1 steps (save and
autosave), the members and awards rows, the unit profile, the channel's return / reject /
recommend forms, the campaign form, and the search/filter (GET) forms. Inputs: random text
(NUL, unicode without surrogates, right-to-left marks, very long strings, full-width digits),
numbers, dates, ID numbers (valid ones generated with the GB 11643 checksum, invalid ones with a
wrong check character, an impossible or future birth date, 15 digits), phone numbers (mobiles and
landlines in the ways people type them, and near misses) and USCCs.

For every case: no response ≥ 500; and, read back from the database afterwards,
- an invalid ID number, phone, postcode, USCC, date, choice or out-of-range number is never
  stored (what is stored is always in canonical valid form), and
- a valid one (generated, so known to be valid) is stored, in canonical form;
- 参加工作时间 is a real past date, not before the lead's 16th birthday (from the ID number).

The oracles below are the test's own (GB 11643 and GB 32100 checksums, the canonical phone
forms), not the app's validators. Each case runs in a savepoint rolled back afterwards, so every
case starts from the same draft. Hypothesis: derandomize=True (the same cases on every run),
deadline=None; the number of cases per form is in CASES (total printed in the FIGURE line).
"""

import os
import re
import string
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import Campaign, ReferenceItem, TransitionLog, Unit
from reviews.models import Recommendation
from studios.models import Application, ApplicationAward, ApplicationMember
from tests.factories.reviews import draft_application, open_review_window, submitted_application
from tests.helpers import login
from tests.policy.portal import campaign_data, unit_data

pytestmark = pytest.mark.django_db

# Cases per form (hypothesis max_examples): ~1,400 in ~50 s on a quiet 2-core machine (~90 s when
# other test runs share it); 5,000 would take ~3 min. The full-page step render is the slow part
# (~70-250 ms), so most lead-step cases go through autosave, which runs the same form and save.
# PORTAL_FUZZ_SCALE=4 runs four times as many (nightly).
CASES_BASE = {
    "lead": 40, "lead_autosave": 400, "cover": 100, "narrative": 50, "conditions": 40, "members": 50,
    "achievements": 50, "unit_profile": 250, "review": 80, "campaign": 150, "filters": 150,
}
CASES = {name: max(1, round(n * float(os.environ.get("PORTAL_FUZZ_SCALE", "1")))) for name, n in CASES_BASE.items()}
FUZZ = {"deadline": None, "derandomize": True, "database": None, "print_blob": True,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]}

_stats = {"cases": 0, "invalid_accepted": 0, "valid_rejected": 0, "5xx": 0}
# How often each oracle saw a value known to be valid / invalid (so a vacuous run shows).
_seen = {"valid": 0, "invalid": 0}


# --- Oracles ----------------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # pragma: allowlist secret (the GB 32100 alphabet)
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE = re.compile(r"0[0-9]{2,3}-[0-9]{7,8}(-[0-9]{1,6})?")
FULLWIDTH = str.maketrans("0123456789-Xx+()", "０１２３４５６７８９－Ｘｘ＋（）")


def compact(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    return unicodedata.normalize("NFKC", "".join(text.split()).upper())


def id_birth(number: str) -> date | None:
    """Birth date of a canonical, valid 18-character ID number, else None."""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        return None
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    if not date(1900, 1, 1) <= birth <= timezone.localdate():
        return None
    total = sum(int(c) * w for c, w in zip(number[:17], ID_WEIGHTS, strict=True))
    return birth if ID_CHECK[total % 11] == number[17] else None


def id_ok(raw: str) -> bool:
    return id_birth(compact(raw)) is not None


def uscc_ok(raw: str) -> bool:
    code = compact(raw)
    if not re.fullmatch(f"[{USCC_CHARS}]{{18}}", code):
        return False
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31] == code[17]


def canonical_phone(stored: str) -> bool:
    return bool(MOBILE.fullmatch(stored) or LANDLINE.fullmatch(stored))


def check_text(value: str, max_length: int | None) -> bool:
    return "\x00" not in value and (max_length is None or len(value) <= max_length)


# --- Strategies -------------------------------------------------------------------------------

CORPUS = ["\x00", "a\x00b", "１２３４５６", "<script>alert(1)</script>", "'; DROP TABLE x;--", "\u202e反向",
          "𠮷野家", "喆堃䶮", "\r\n\r\n", "\u3000", "\u200b", "%s%n", "{{ 7*7 }}", "../../etc/passwd", "0" * 300,
          "NaN", "Infinity", "-1", "1e400", "٣٤٥", "²³", "①②"]
text_any = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
nasty_text = st.one_of(
    text_any,
    st.sampled_from(CORPUS),
    st.builds(lambda s, n: s * n, st.sampled_from(["长", "a", "\x00", "１"]), st.integers(90, 6000)),
    st.builds(lambda a, b: a + b, st.sampled_from(CORPUS), text_any),
)


@st.composite
def id_numbers(draw):
    """(raw, kind): kind 'valid' (checksum right, typed in any usual way) or 'invalid'."""
    area = draw(st.sampled_from(["321102", "321181", "110105", "440301", "810000"]))
    birth = draw(st.dates(date(1935, 1, 1), date(2004, 12, 31)))
    seq = f"{draw(st.integers(0, 999)):03d}"
    first17 = area + birth.strftime("%Y%m%d") + seq
    check = ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]
    valid = first17 + check
    variant = draw(st.sampled_from(["plain", "lower_x", "fullwidth", "spaces", "bad_check", "bad_month",
                                    "future", "fifteen", "short", "letters", "random"]))
    if variant == "plain":
        return valid, "valid"
    if variant == "lower_x":
        return valid.lower(), "valid"
    if variant == "fullwidth":
        return valid.translate(FULLWIDTH), "valid"
    if variant == "spaces":
        return f" {valid[:6]} {valid[6:14]} {valid[14:]} ", "valid"
    if variant == "bad_check":
        wrong = draw(st.sampled_from([c for c in "0123456789X" if c != check]))
        return first17 + wrong, "invalid"
    if variant == "bad_month":
        first = area + f"{birth.year}13{birth.day:02d}" + seq
        return first + ID_CHECK[sum(int(c) * w for c, w in zip(first, ID_WEIGHTS, strict=True)) % 11], "invalid"
    if variant == "future":
        first = area + (timezone.localdate() + timedelta(days=400)).strftime("%Y%m%d") + seq
        return first + ID_CHECK[sum(int(c) * w for c, w in zip(first, ID_WEIGHTS, strict=True)) % 11], "invalid"
    if variant == "fifteen":
        return area + birth.strftime("%y%m%d") + seq, "invalid"
    if variant == "short":
        return valid[:draw(st.integers(1, 17))], "invalid"
    if variant == "letters":
        return valid[:10] + "AB" + valid[12:], "invalid"
    return draw(nasty_text), "unknown"


@st.composite
def phones(draw):
    """(raw, expected canonical or None for invalid, or '?' for random text)."""
    second = draw(st.sampled_from("3456789"))
    rest = "".join(draw(st.lists(st.sampled_from(string.digits), min_size=9, max_size=9)))
    mobile = "1" + second + rest
    local = draw(st.sampled_from("2345678")) + "".join(draw(st.lists(st.sampled_from(string.digits), min_size=7,
                                                                       max_size=7)))
    landline = f"0511-{local}"
    variant = draw(st.sampled_from(["mobile", "mobile_86", "mobile_spaced", "mobile_fullwidth", "landline",
                                    "landline_paren", "landline_ext", "bad_second", "ten_digits", "twelve",
                                    "local_only", "letters", "random"]))
    return {
        "mobile": (mobile, mobile),
        "mobile_86": (f"+86 {mobile}", mobile),
        "mobile_spaced": (f"{mobile[:3]} {mobile[3:7]}-{mobile[7:]}", mobile),
        "mobile_fullwidth": (mobile.translate(FULLWIDTH), mobile),
        "landline": (landline, landline),
        "landline_paren": (f"(0511){local}", landline),
        "landline_ext": (f"{landline}转123", f"{landline}-123"),
        "bad_second": ("1" + draw(st.sampled_from("012")) + rest, None),
        "ten_digits": (mobile[:10], None),
        "twelve": (mobile + "5", None),
        "local_only": (local, None),
        "letters": (mobile[:5] + "abc" + mobile[8:], None),
        "random": (draw(nasty_text), "?"),
    }[variant]


@st.composite
def uscc_codes(draw):
    body = "91" + "".join(draw(st.lists(st.sampled_from(USCC_CHARS), min_size=15, max_size=15)))
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    check = USCC_CHARS[(31 - total % 31) % 31]
    variant = draw(st.sampled_from(["valid", "lower", "fullwidth", "bad_check", "forbidden_letter", "short",
                                    "random"]))
    if variant == "valid":
        return body + check, "valid"
    if variant == "lower":
        return (body + check).lower(), "valid"
    if variant == "fullwidth":
        return (body + check).translate(str.maketrans(string.digits, "０１２３４５６７８９")), "valid"
    if variant == "bad_check":
        return body + draw(st.sampled_from([c for c in USCC_CHARS if c != check])), "invalid"
    if variant == "forbidden_letter":
        return body[:5] + "O" + body[6:] + check, "invalid"
    if variant == "short":
        return (body + check)[:17], "invalid"
    return draw(nasty_text), "unknown"


def date_strings(earliest: date):
    """(raw, expected date or None for invalid, '?' for random)."""
    today = timezone.localdate()
    valid = st.dates(earliest, today).map(lambda d: (d.isoformat(), d))
    slashed = st.dates(earliest, today).map(lambda d: (d.strftime("%Y/%m/%d"), d))
    return st.one_of(
        valid, slashed,
        st.sampled_from([("2023-02-30", None), ("2023-13-01", None), ("0000-01-01", None), ("99999-01-01", None),
                         ("２０２０-０１-０１", "?"), ("1995-7-1", "?"), ("1995-07-01T00:00", None)]),
        st.dates(today + timedelta(days=1), date(2100, 1, 1)).map(lambda d: (d.isoformat(), None)),
        st.dates(date(1900, 1, 1), earliest - timedelta(days=1)).map(lambda d: (d.isoformat(), None)),
        nasty_text.map(lambda s: (s, "?")),
    )


numbers = st.one_of(
    st.integers(-10**12, 10**12).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.sampled_from(["", " ", "１２０", "12,000", "1_000", "0x10", "1e5", "-0", "0.001", "99999999.99",
                     "\x00", "NaN", "-Infinity", "120.5", "180"]),
    nasty_text,
)


def choice_values(codes: list[str]):
    """(raw, valid?)."""
    return st.one_of(st.sampled_from(codes).map(lambda c: (c, True)),
                     nasty_text.filter(lambda s: s not in codes).map(lambda s: (s, False)))


# --- Running one case -------------------------------------------------------------------------

class Case:
    """One fuzz case: post, then check the database. Rolls back everything it wrote."""

    def __init__(self, label: str):
        self.label = label
        self.problems: list[str] = []

    def __enter__(self):
        self.savepoint = transaction.savepoint()
        _stats["cases"] += 1
        return self

    def post(self, client, url, data):
        try:
            response = client.post(url, data)
        except Exception as exc:  # an unhandled exception is the 500 looked for
            _stats["5xx"] += 1
            self.problems.append(f"{self.label}: exception {exc!r}")
            return None
        if response.status_code >= 500:
            _stats["5xx"] += 1
            self.problems.append(f"{self.label}: status {response.status_code}")
        return response

    def invalid_accepted(self, what):
        _stats["invalid_accepted"] += 1
        self.problems.append(f"{self.label}: invalid value stored: {what}")

    def valid_rejected(self, what):
        _stats["valid_rejected"] += 1
        self.problems.append(f"{self.label}: valid value not stored: {what}")

    def __exit__(self, *exc_info):
        from django.db import connection

        transaction.savepoint_rollback(self.savepoint)
        connection.needs_rollback = False
        if exc_info[0] is None:
            assert self.problems == []
        return False


# --- Fixture ----------------------------------------------------------------------------------

@pytest.fixture
def env(world):
    campaign = open_review_window(world.campaign)
    unit_user = world.users["unit"]
    draft = draft_application(unit=world.unit_a, campaign=campaign, actor=unit_user)
    other = draft_application(unit=world.unit_b, campaign=campaign, actor=world.users["other_unit"])
    submitted = submitted_application(unit=world.unit_a, campaign=campaign, actor=unit_user)
    codes = {kind: list(ReferenceItem.objects.filter(kind=kind, is_active=True).values_list("code", flat=True))
             for kind in ("gender", "ethnic_group", "political_status", "education", "skill_level", "lead_honour",
                          "application_condition", "unit_type", "ownership")}
    return {
        "world": world, "campaign": campaign, "draft": draft, "other": other, "submitted": submitted,
        "codes": codes, "unit": login(Client(), unit_user), "channel": login(Client(), world.users["channel"]),
        "city": login(Client(), world.users["city_officer"]),
    }


def step_url(app, step, *, autosave=False):
    name = "studios:application-autosave" if autosave else "studios:application-step"
    return reverse(name, kwargs={"pk": app.pk, "step": step})


# --- The lead step: ID, phone, dates, postcode, area, code lists ---------------------------------

LEAD_TEXT = {"lead_name": 50, "lead_employer": 100, "studio_location": 200, "lead_occupation": 100,
             "lead_admin_post": 100, "lead_address": 200}
LEAD_CHOICES = {"lead_gender": "gender", "lead_ethnicity": "ethnic_group",
                "lead_political_status": "political_status", "lead_education": "education",
                "lead_skill_level": "skill_level"}


@st.composite
def lead_posts(draw, codes):
    id_raw, id_kind = draw(id_numbers())
    phone_raw, phone_expected = draw(phones())
    birth = id_birth(compact(id_raw))
    earliest = date(birth.year + 16, birth.month, 28 if (birth.month, birth.day) == (2, 29) else birth.day) \
        if birth else date(1960, 1, 1)
    work_raw, work_expected = draw(date_strings(min(earliest, timezone.localdate())))
    post = {"lead_id_number": id_raw, "lead_phone": phone_raw, "lead_work_start": work_raw,
            "lead_postcode": draw(st.one_of(st.from_regex(r"\A[0-9]{6}\Z"), st.sampled_from(["２１２００１", "21200",
                                                                                             "2120011", "ABCDEF"]),
                                            nasty_text)),
            "office_area": draw(numbers)}
    choices = {}
    for name, kind in LEAD_CHOICES.items():
        value, ok = draw(choice_values(codes[kind]))
        post[name], choices[name] = value, ok
    for name in draw(st.sets(st.sampled_from(sorted(LEAD_TEXT)), max_size=3)):
        post[name] = draw(nasty_text)
    return post, {"id": id_kind, "phone": phone_expected, "work": work_expected, "birth": birth, "choices": choices}


def check_lead(case, before: Application, after: Application, post: dict, truth: dict):
    _seen["valid"] += (truth["id"] == "valid") + (truth["phone"] not in (None, "?")) + sum(truth["choices"].values())
    _seen["invalid"] += (truth["id"] == "invalid") + (truth["phone"] is None) + (truth["work"] is None)
    # ID number: canonical valid or untouched; generated valid ones stored.
    stored_id = after.lead_id_number
    if stored_id != before.lead_id_number and stored_id and id_birth(stored_id) is None:
        case.invalid_accepted(f"ID {post['lead_id_number']!r} → {stored_id!r}")
    if truth["id"] == "valid" and stored_id != compact(post["lead_id_number"]):
        case.valid_rejected(f"ID {post['lead_id_number']!r} → {stored_id!r}")
    if truth["id"] == "invalid" and stored_id != before.lead_id_number:
        case.invalid_accepted(f"ID {post['lead_id_number']!r} → {stored_id!r}")
    # Phone.
    stored_phone = after.lead_phone
    if stored_phone != before.lead_phone and stored_phone and not canonical_phone(stored_phone):
        case.invalid_accepted(f"phone {post['lead_phone']!r} → {stored_phone!r}")
    if truth["phone"] not in (None, "?") and stored_phone != truth["phone"]:
        case.valid_rejected(f"phone {post['lead_phone']!r} → {stored_phone!r} (expected {truth['phone']})")
    if truth["phone"] is None and stored_phone != before.lead_phone:
        case.invalid_accepted(f"phone {post['lead_phone']!r} → {stored_phone!r}")
    # Work start: a real date, not in the future, after the lead's 16th birthday.
    work = after.lead_work_start
    if work != before.lead_work_start and work is not None:
        birth = id_birth(after.lead_id_number or "")
        sixteen = birth and birth.replace(year=birth.year + 16, day=min(birth.day, 28))
        if work > timezone.localdate() or (sixteen and work < sixteen):
            case.invalid_accepted(f"work start {post['lead_work_start']!r} → {work} (ID born {birth})")
    if isinstance(truth["work"], date) and truth["id"] == "valid" and work != truth["work"]:
        case.valid_rejected(f"work start {post['lead_work_start']!r} → {work}")
    if truth["work"] is None and work != before.lead_work_start:
        case.invalid_accepted(f"work start {post['lead_work_start']!r} → {work}")
    # Postcode, area, code lists, texts.
    if after.lead_postcode != before.lead_postcode and after.lead_postcode \
            and not re.fullmatch(r"[0-9]{6}", after.lead_postcode):
        case.invalid_accepted(f"postcode {post['lead_postcode']!r} → {after.lead_postcode!r}")
    if re.fullmatch(r"[0-9]{6}", post["lead_postcode"]) and after.lead_postcode != post["lead_postcode"]:
        case.valid_rejected(f"postcode {post['lead_postcode']!r}")
    area = after.office_area
    if area != before.office_area and area is not None and not (Decimal(0) < area < Decimal("1000000")):
        case.invalid_accepted(f"office area {post['office_area']!r} → {area}")
    if post["office_area"] in ("120.5", "180") and area != Decimal(post["office_area"]):
        case.valid_rejected(f"office area {post['office_area']!r} → {area}")
    for name in LEAD_CHOICES:
        value = getattr(after, name)
        if value != getattr(before, name) and value and value != post[name]:
            case.invalid_accepted(f"{name} {post[name]!r} → {value!r}")
        if truth["choices"][name] and value != post[name]:
            case.valid_rejected(f"{name} {post[name]!r} → {value!r}")
    for name, limit in LEAD_TEXT.items():
        if not check_text(getattr(after, name), limit):
            case.invalid_accepted(f"{name} stored {getattr(after, name)[:40]!r}…")


def test_fuzz_lead_step(env):
    draft, client = env["draft"], env["unit"]

    @settings(max_examples=CASES["lead"], **FUZZ)
    @given(generated=lead_posts(env["codes"]))
    def run(generated):
        post, truth = generated
        with Case("lead step") as case:
            before = Application.objects.get(pk=draft.pk)
            case.post(client, step_url(draft, "lead"), {**post, "lock_version": before.lock_version})
            check_lead(case, before, Application.objects.get(pk=draft.pk), post, truth)

    run()


def test_fuzz_lead_autosave(env):
    draft, client = env["draft"], env["unit"]

    @settings(max_examples=CASES["lead_autosave"], **FUZZ)
    @given(generated=lead_posts(env["codes"]))
    def run(generated):
        post, truth = generated
        with Case("lead autosave") as case:
            before = Application.objects.get(pk=draft.pk)
            case.post(client, step_url(draft, "lead", autosave=True), {**post, "lock_version": before.lock_version})
            check_lead(case, before, Application.objects.get(pk=draft.pk), post, truth)

    run()


# --- Cover, narrative steps and conditions ------------------------------------------------------

def test_fuzz_cover_and_narrative_steps(env):
    draft, client = env["draft"], env["unit"]
    steps = {"cover": {"studio_name": 100, "work_field": 100},
             "unit": {"unit_introduction": None, "unit_support": None, "work_plan": None},
             "report": {"report_basic_conditions": None, "report_necessity": None, "report_unit_support": None,
                        "report_work_plan": None}}

    @settings(max_examples=CASES["cover"] + CASES["narrative"], **FUZZ)
    @given(step=st.sampled_from(sorted(steps)), autosave=st.booleans(), data=st.data())
    def run(step, autosave, data):
        post = {name: data.draw(nasty_text) for name in steps[step]}
        with Case(f"{step} step") as case:
            before = Application.objects.get(pk=draft.pk)
            case.post(client, step_url(draft, step, autosave=autosave), {**post, "lock_version": before.lock_version})
            after = Application.objects.get(pk=draft.pk)
            for name, limit in steps[step].items():
                value = getattr(after, name)
                if not check_text(value, limit):
                    case.invalid_accepted(f"{name} {value[:40]!r}")
                if value != getattr(before, name) and value.strip() != value:
                    case.invalid_accepted(f"{name} stored untrimmed {value[:40]!r}")

    run()


def test_fuzz_conditions_step(env):
    draft, client = env["draft"], env["unit"]
    codes = env["codes"]["application_condition"]

    @settings(max_examples=CASES["conditions"], **FUZZ)
    @given(data=st.data())
    def run(data):
        post = {}
        for code in [*codes, *data.draw(st.lists(nasty_text.filter(bool), max_size=2))]:
            if data.draw(st.booleans()):
                post[f"claim_{code}"] = data.draw(st.sampled_from(["on", "true", "", "\x00", "0"]))
            if data.draw(st.booleans()):
                post[f"claim_{code}_text"] = data.draw(nasty_text)
        with Case("conditions step") as case:
            before = Application.objects.get(pk=draft.pk)
            case.post(client, step_url(draft, "conditions"), {**post, "lock_version": before.lock_version})
            claims = Application.objects.get(pk=draft.pk).condition_claims
            if claims != before.condition_claims:
                unknown = set(claims) - set(codes)
                if unknown or any("\x00" in text for text in claims.values()):
                    case.invalid_accepted(f"condition claims {claims!r}")

    run()


# --- Repeating tables ---------------------------------------------------------------------------

def _management(prefix, data, n):
    total = data.draw(st.one_of(st.just(str(n)), st.sampled_from(["", "abc", "-1", "4", "１", "\x00"])))
    return {f"{prefix}-TOTAL_FORMS": total,
            f"{prefix}-INITIAL_FORMS": data.draw(st.sampled_from(["0", "1", "x", "-5"]))}


def test_fuzz_member_rows(env):
    draft, other, client = env["draft"], env["other"], env["unit"]
    foreign_ids = list(ApplicationMember.objects.filter(application=other).values_list("pk", flat=True))
    own_ids = list(ApplicationMember.objects.filter(application=draft).values_list("pk", flat=True))
    foreign_before = list(ApplicationMember.objects.filter(application=other).order_by("pk").values())

    @settings(max_examples=CASES["members"], **FUZZ)
    @given(data=st.data())
    def run(data):
        n = data.draw(st.integers(0, 3))
        post = _management("members", data, n)
        for i in range(n):
            row = f"members-{i}-"
            post[row + "id"] = data.draw(st.one_of(st.just(""), st.sampled_from(own_ids + foreign_ids).map(str),
                                                   nasty_text))
            post[row + "name"] = data.draw(st.one_of(st.sampled_from(["李明", "王芳"]), nasty_text))
            post[row + "qualification"] = data.draw(nasty_text)
            post[row + "age"] = data.draw(st.one_of(st.integers(0, 200).map(str), numbers))
            post[row + "achievements"] = data.draw(nasty_text)
            if data.draw(st.booleans()):
                post[row + "DELETE"] = data.draw(st.sampled_from(["on", "", "x"]))
        with Case("members rows") as case:
            lock = Application.objects.get(pk=draft.pk).lock_version
            case.post(client, step_url(draft, "members"), {**post, "lock_version": lock})
            for member in ApplicationMember.objects.filter(application=draft):
                if not (member.name.strip() and check_text(member.name, 50) and check_text(member.qualification, 50)
                        and check_text(member.achievements, None) and (member.age is None or 16 <= member.age <= 90)):
                    case.invalid_accepted(f"member {member.name[:20]!r} age {member.age}")
            if list(ApplicationMember.objects.filter(application=other).order_by("pk").values()) != foreign_before:
                case.invalid_accepted("another application's member rows changed")

    run()


def test_fuzz_award_rows_and_honours(env):
    draft, client = env["draft"], env["unit"]
    honours = env["codes"]["lead_honour"]
    own_ids = list(ApplicationAward.objects.filter(application=draft).values_list("pk", flat=True))

    @settings(max_examples=CASES["achievements"], **FUZZ)
    @given(data=st.data())
    def run(data):
        n = data.draw(st.integers(0, 3))
        post = _management("awards", data, n)
        post["lead_achievements"] = data.draw(nasty_text)
        post["lead_honours"] = data.draw(st.lists(st.one_of(st.sampled_from(honours), nasty_text), max_size=3))
        for i in range(n):
            row = f"awards-{i}-"
            post[row + "id"] = data.draw(st.one_of(st.just(""), st.sampled_from(own_ids).map(str), nasty_text))
            for name in ("project", "award_name", "issuer", "level", "rank"):
                post[row + name] = data.draw(st.one_of(st.sampled_from(["江苏省技术能手", "一等奖"]), nasty_text))
            post[row + "year"] = data.draw(st.one_of(st.integers(1900, 2200).map(str), numbers))
        with Case("achievements step") as case:
            before = Application.objects.get(pk=draft.pk)
            case.post(client, step_url(draft, "achievements"), {**post, "lock_version": before.lock_version})
            after = Application.objects.get(pk=draft.pk)
            if after.lead_honours != before.lead_honours and not set(after.lead_honours) <= set(honours):
                case.invalid_accepted(f"honours {after.lead_honours!r}")
            if post["lead_honours"] and set(post["lead_honours"]) <= set(honours) \
                    and set(after.lead_honours) != set(post["lead_honours"]):
                case.valid_rejected(f"honours {post['lead_honours']!r} → {after.lead_honours!r}")
            if not check_text(after.lead_achievements, None):
                case.invalid_accepted("achievements text with NUL")
            for award in ApplicationAward.objects.filter(application=draft):
                limits = {"project": 100, "award_name": 100, "issuer": 100, "level": 30, "rank": 20}
                if not (award.project.strip() and award.award_name.strip()
                        and all(check_text(getattr(award, f), m) for f, m in limits.items())
                        and (award.year is None or 1949 <= award.year <= 2100)):
                    case.invalid_accepted(f"award {award.project[:20]!r} year {award.year}")

    run()


def test_forged_row_count_is_capped(env):
    """A forged TOTAL_FORMS builds at most MAX_ROWS rows (Django's default allowed 2,000: about a
    minute of CPU and a 6 MB page for one POST)."""
    from studios.sections import MAX_TABLE_ROWS as MAX_ROWS

    draft, client = env["draft"], env["unit"]
    with Case("members TOTAL_FORMS=100000") as case:
        lock = Application.objects.get(pk=draft.pk).lock_version
        response = case.post(client, step_url(draft, "members"),
                             {"lock_version": lock, "members-TOTAL_FORMS": "100000", "members-INITIAL_FORMS": "0",
                              "members-0-name": "李明", "members-0-age": "30"})
        assert response is not None and response.status_code == 200
        assert response.content.decode().count('name="members-') <= MAX_ROWS * 8
        assert ApplicationMember.objects.filter(application=draft).count() <= MAX_ROWS


# --- Unit profile (city officer) ---------------------------------------------------------------

def test_fuzz_unit_profile(env):
    world, client = env["world"], env["city"]
    unit = Unit.objects.get(pk=world.unit_a.pk)
    url = reverse("portal:unit-update", kwargs={"pk": unit.pk})
    codes = env["codes"]

    @settings(max_examples=CASES["unit_profile"], **FUZZ)
    @given(uscc=uscc_codes(), phone=phones(), data=st.data())
    def run(uscc, phone, data):
        post = unit_data(unit)
        post["uscc"], post["contact_phone"] = uscc[0], phone[0]
        post["postcode"] = data.draw(st.one_of(st.from_regex(r"\A[0-9]{6}\Z"), nasty_text))
        post["email"] = data.draw(st.one_of(st.emails().map(str), nasty_text))
        for name in data.draw(st.sets(st.sampled_from(["name", "address", "contact_name", "unit_type",
                                                       "ownership", "channel"]), max_size=2)):
            post[name] = data.draw(nasty_text)
        _seen["valid"] += (uscc[1] == "valid") + (phone[1] not in (None, "?"))
        _seen["invalid"] += (uscc[1] == "invalid") + (phone[1] is None)
        with Case("unit profile") as case:
            before = Unit.objects.get(pk=unit.pk)
            response = case.post(client, url, post)
            after = Unit.objects.get(pk=unit.pk)
            if after.updated_at == before.updated_at:
                all_valid = (uscc[1] == "valid" and phone[1] not in (None, "?") and post["email"] and
                             re.fullmatch(r"[0-9]{6}", post["postcode"]) and post["name"] == unit.name
                             and post["address"] == unit.address and post["contact_name"] == unit.contact_name
                             and post["unit_type"] == unit.unit_type and post["ownership"] == unit.ownership
                             and post["channel"] == unit.channel_id)
                if all_valid and _email_ok(post["email"]):
                    case.valid_rejected(f"unit profile {post!r} → {response and response.status_code}")
                return
            # Saved: everything stored must be valid and canonical.
            if not uscc_ok(after.uscc) or after.uscc != compact(after.uscc):
                case.invalid_accepted(f"USCC {post['uscc']!r} → {after.uscc!r}")
            if not canonical_phone(after.contact_phone):
                case.invalid_accepted(f"phone {post['contact_phone']!r} → {after.contact_phone!r}")
            if phone[1] not in (None, "?") and after.contact_phone != phone[1]:
                case.valid_rejected(f"phone {post['contact_phone']!r} → {after.contact_phone!r}")
            if not re.fullmatch(r"[0-9]{6}", after.postcode) or not _email_ok(after.email) \
                    or after.unit_type not in codes["unit_type"] or after.ownership not in codes["ownership"] \
                    or not all(check_text(getattr(after, f), m) for f, m in
                               (("name", 100), ("address", 200), ("contact_name", 50))):
                case.invalid_accepted(f"unit profile stored {after.postcode!r} {after.email!r} {after.unit_type!r}")

    run()


def _email_ok(value: str) -> bool:
    if value == "" and Unit._meta.get_field("email").blank:
        return True
    try:
        validate_email(value)
    except ValidationError:
        return False
    return len(value) <= 254


# --- The channel's review forms -----------------------------------------------------------------

def test_fuzz_review_forms(env):
    app, client = env["submitted"], env["channel"]

    @settings(max_examples=CASES["review"], **FUZZ)
    @given(action=st.sampled_from(["return", "reject", "recommend"]), data=st.data())
    def run(action, data):
        if action == "return":
            post = {f"return-{key}": data.draw(nasty_text)
                    for key in data.draw(st.sets(st.sampled_from(["cover", "lead", "members", "achievements",
                                                                  "conditions", "unit", "report", "evidence",
                                                                  "nonexistent"]), max_size=3))}
        elif action == "reject":
            post = {"reject-reason": data.draw(nasty_text)}
        else:
            post = {"recommend-rank": data.draw(st.one_of(st.integers(-3, 5).map(str), numbers)),
                    "recommend-opinion": data.draw(st.one_of(st.just("同意推荐。"), nasty_text))}
        with Case(f"review {action}") as case:
            case.post(client, reverse(f"reviews:application-{action}", kwargs={"pk": app.pk}), post)
            after = Application.objects.get(pk=app.pk)
            if after.status == app.status:
                return
            # "return-nonexistent" is no field of the form: it is ignored, so it cannot make a
            # return invalid (its value must not be stored, checked below).
            texts = [v for k, v in post.items() if k not in {"recommend-rank", "return-nonexistent"}]
            meaningful = [t for t in texts if t.strip() and "\x00" not in t and len(t) <= 2000]
            if action == "return":
                log = TransitionLog.objects.filter(object_id=after.pk, action="return").order_by("-id").first()
                if log is None or "nonexistent" in log.data.get("sections", {}):
                    case.invalid_accepted(f"{action}: an unknown section was stored {post!r}")
            if action == "recommend":
                recommendation = Recommendation.objects.filter(application=after).first()
                rank = recommendation.rank if recommendation else None
                if post["recommend-rank"].strip() not in {"1", "2"} or rank not in (1, 2) or not meaningful:
                    case.invalid_accepted(f"recommend {post!r} → rank {rank}")
            elif not meaningful or any("\x00" in t or len(t) > 2000 for t in texts):
                case.invalid_accepted(f"{action} {post!r}")

    run()


# --- Campaign form (city officer) ---------------------------------------------------------------

def test_fuzz_campaign_form(env):
    campaign, client = env["campaign"], env["city"]
    url = reverse("portal:campaign-update", kwargs={"pk": campaign.pk})
    deadlines = ["unit_filing_deadline", "channel_review_deadline", "expert_review_deadline",
                 "city_decision_deadline"]
    numbers_fields = ["year", "channel_quota_min", "channel_quota_max", "direct_city_quota_max",
                      "accreditation_max", "publicity_working_days", "startup_fund"]
    texts = {"title": 200, "doc_number": 50, "summary": None, "contact_person": 50, "contact_address": 200}

    @settings(max_examples=CASES["campaign"], **FUZZ)
    @given(phone=phones(), data=st.data())
    def run(phone, data):
        post = campaign_data(campaign)
        post["contact_phone"] = phone[0]
        for name in data.draw(st.sets(st.sampled_from([*deadlines, "published_on", "evaluation_filing_deadline"]),
                                      max_size=2)):
            post[name] = data.draw(st.one_of(
                st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1)).map(
                    lambda d: d.strftime("%Y-%m-%dT%H:%M")), nasty_text))
        for name in data.draw(st.sets(st.sampled_from(numbers_fields), max_size=2)):
            post[name] = data.draw(numbers)
        for name in data.draw(st.sets(st.sampled_from(sorted(texts)), max_size=2)):
            post[name] = data.draw(nasty_text)
        with Case("campaign form") as case:
            before = Campaign.objects.get(pk=campaign.pk)
            case.post(client, url, post)
            after = Campaign.objects.get(pk=campaign.pk)
            if after.updated_at == before.updated_at:
                if phone[1] not in (None, "?") and post == {**campaign_data(campaign), "contact_phone": phone[0]}:
                    case.valid_rejected(f"campaign with phone {phone[0]!r}")
                return
            times = [getattr(after, n) for n in deadlines]
            problems = []
            if times != sorted(times):
                problems.append(f"deadlines out of order {times}")
            if after.channel_quota_min > after.channel_quota_max:
                problems.append(f"quota {after.channel_quota_min}>{after.channel_quota_max}")
            if after.contact_phone and not canonical_phone(after.contact_phone):
                problems.append(f"phone {post['contact_phone']!r} → {after.contact_phone!r}")
            if not all(check_text(getattr(after, f), m) for f, m in texts.items()):
                problems.append("text with NUL or too long")
            try:
                if after.startup_fund < 0:
                    problems.append(f"fund {after.startup_fund}")
            except (InvalidOperation, TypeError):
                problems.append("fund not a number")
            for problem in problems:
                case.invalid_accepted(problem)

    run()


# --- Search and filter forms (GET) ---------------------------------------------------------------

FILTERS = {
    "city": [("portal:unit-list", ("q", "channel", "page")), ("portal:reference-list", ("kind",)),
             ("studios:application-list", ("status", "page")), ("portal:campaign-list", ("page",))],
    "channel": [("reviews:queue", ("tab",)), ("portal:unit-list", ("q", "channel"))],
    "auditor": [("portal:audit-list", ("q", "action", "start", "end", "page")),
                ("portal:history-list", ("q", "page")), ("portal:transition-list", ("q", "page"))],
}


def test_fuzz_search_and_filter_forms(env):
    env["auditor"] = login(Client(), env["world"].users["auditor"])
    pages = [(persona, name, params) for persona, routes in FILTERS.items() for name, params in routes]

    @settings(max_examples=CASES["filters"], **FUZZ)
    @given(page=st.sampled_from(pages), data=st.data())
    def run(page, data):
        persona, name, params = page
        query = {p: data.draw(st.one_of(nasty_text.map(lambda t: t[:300]), numbers.map(lambda t: t[:300])))
                 for p in data.draw(st.sets(st.sampled_from(params), min_size=1))}
        with Case(f"GET {name}") as case:
            try:
                response = env[persona].get(reverse(name), query)
            except Exception as exc:  # an unhandled exception is the 500 looked for
                _stats["5xx"] += 1
                case.problems.append(f"GET {name} {query!r}: exception {exc!r}")
            else:
                if response.status_code >= 500:
                    _stats["5xx"] += 1
                    case.problems.append(f"GET {name} {query!r}: {response.status_code}")

    run()
    # And a NUL in every filter parameter, deterministically (two were 500s before the fix).
    for persona, name, params in pages:
        for param in params:
            with Case(f"GET {name} {param}=NUL") as case:
                response = env[persona].get(reverse(name), {param: "a\x00b"})
                assert response.status_code < 500, case.label


def test_figure_26():
    if _stats["cases"] < sum(CASES.values()) // 2:
        pytest.skip("run the whole module for the figure")
    print(f"oracles: {_seen['valid']} known-valid and {_seen['invalid']} known-invalid IDs/phones/USCCs/dates/"
          f"codes checked; cases per form {CASES}")
    assert min(_seen.values()) > CASES["lead_autosave"], "the oracles saw too few known values"
    print(f"FIGURE #26: {_stats['invalid_accepted']} invalid accepted; {_stats['valid_rejected']} valid rejected; "
          f"{_stats['5xx']} 5xx in {_stats['cases']:,} cases")
