"""Normalisation and validation of identifiers typed into the portal's forms.

Everything here is a plain function, usable from forms, model fields
(``validators=[...]``), data imports and test factories:

* ``normalize_*`` functions never raise; they return a cleaned-up string
  (``""`` for ``None``).  Forms call them in ``clean_<field>`` or use the
  form fields at the bottom of this module, whose ``to_python`` does it.
* ``validate_*`` functions are Django validators: they normalise their
  input themselves (so they accept raw user input as well as normalised
  values) and raise ``django.core.exceptions.ValidationError`` with a
  Chinese message and a stable ``code``.  They never raise anything else.

Standards (see docs/domain.md §6):

* 居民身份证号码: GB 11643-1999 (also used by 港澳台居民居住证, prefixes 81/82/83).
* 统一社会信用代码: GB 32100-2015.
* Phones: mainland mobile ``1[3-9]`` + 9 digits; landline with area code.
* 邮政编码: six digits; Zhenjiang addresses start with 212 (a warning only).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ID_NUMBER_LENGTH",
    "ID_NUMBER_MIN_BIRTH_DATE",
    "PHONE_MAX_LENGTH",
    "POSTCODE_LENGTH",
    "USCC_ALPHABET",
    "USCC_LENGTH",
    "ZHENJIANG_POSTCODE_PREFIX",
    "IDNumberField",
    "LandlineField",
    "MobileField",
    "PhoneField",
    "PostcodeField",
    "USCCField",
    "id_check_char",
    "id_number_age",
    "id_number_birth_date",
    "id_number_gender",
    "is_valid_id_number",
    "is_valid_uscc",
    "normalize_id_number",
    "normalize_phone",
    "normalize_postcode",
    "normalize_text",
    "normalize_uscc",
    "postcode_warning",
    "upgrade_id_number_15",
    "uscc_check_char",
    "validate_id_number",
    "validate_landline",
    "validate_mobile",
    "validate_phone",
    "validate_postcode",
    "validate_uscc",
]

# Lengths for model fields (``max_length``) and forms.
ID_NUMBER_LENGTH = 18
USCC_LENGTH = 18
PHONE_MAX_LENGTH = 20  # "0511-85340338-123456"
POSTCODE_LENGTH = 6
ZHENJIANG_POSTCODE_PREFIX = "212"
ID_NUMBER_MIN_BIRTH_DATE = date(1900, 1, 1)


# ---------------------------------------------------------------------------
# Generic text
# ---------------------------------------------------------------------------

# Full-width punctuation that is *correct* in Chinese text and must survive
# normalisation (full NFKC would turn "国有（市属）" into "国有(市属)").
_KEEP_FULLWIDTH = set("！＂＇（），．：；？［］｛｝～")

_TEXT_TRANSLATION: dict[int, int | str | None] = {
    cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULLWIDTH
}
# Unusual spaces → ASCII space; invisible characters → removed.
_TEXT_TRANSLATION.update(dict.fromkeys((0x00A0, 0x1680, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B)), " "))
_TEXT_TRANSLATION.update(dict.fromkeys((0x200B, 0x2060, 0xFEFF, 0x00AD)))  # ZWSP, WJ, BOM, soft hyphen

_HORIZONTAL_SPACE_RUN = re.compile(r"[^\S\n]+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def _as_str(value: object) -> str:
    return "" if value is None else str(value)


def normalize_text(value: object, *, multiline: bool = False) -> str:
    """Tidy free text typed by a user.

    Full-width digits, letters, spaces and ASCII-like symbols become ASCII
    (``"１２３ＡＢ"`` → ``"123AB"``), zero-width characters are dropped and the
    value is stripped.  Unlike full NFKC, Chinese punctuation (，：；（）！？),
    ellipses, circled numbers and unit symbols such as ㎡ are kept.

    Single-line (default): every run of whitespace, including newlines,
    becomes one space.  ``multiline=True``: line breaks are kept (CRLF → LF),
    trailing spaces on each line are removed, runs of spaces *inside* a line
    are collapsed (leading indentation such as "　　" is kept as spaces) and at
    most one blank line is kept between paragraphs.
    """
    text = unicodedata.normalize("NFC", _as_str(value).translate(_TEXT_TRANSLATION))
    if not multiline:
        return " ".join(text.split())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            lines.append("")
            continue
        indent = line[: len(line) - len(line.lstrip())]
        indent = " " * len(indent.replace("\t", "    "))
        lines.append(indent + _HORIZONTAL_SPACE_RUN.sub(" ", stripped))
    # Leading/trailing blank lines go; the first line's indentation stays.
    text = "\n".join(lines).strip("\n")
    return _MANY_BLANK_LINES.sub("\n\n", text)


def _compact(value: object) -> str:
    """NFKC, remove all whitespace, upper-case (for codes and numbers)."""
    text = unicodedata.normalize("NFKC", _as_str(value))
    # NFKC again: removing spaces/upper-casing can leave uncomposed sequences
    # (e.g. "´" → " " + U+0301); keeps the function idempotent.
    return unicodedata.normalize("NFKC", "".join(text.split()).upper())


# ---------------------------------------------------------------------------
# 居民身份证号码 (GB 11643-1999)
# ---------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_18_RE = re.compile(r"[0-9]{17}[0-9X]")
_ID_15_RE = re.compile(r"[0-9]{15}")
_DIGITS_17_RE = re.compile(r"[0-9]{17}")

ID_MESSAGES = {
    "id_number_legacy": _("请填写18位居民身份证号码（15位旧号码已停止使用，请填写换发后的18位号码）。"),
    "id_number_length": _("居民身份证号码应为18位，您填写了%(length)d位。"),
    "id_number_characters": _("居民身份证号码的前17位应为数字，最后一位为数字或字母X。"),
    "id_number_birth_date_invalid": _("居民身份证号码中的出生日期（第7–14位：%(digits)s）不是有效日期，请核对。"),
    "id_number_birth_date_future": _("居民身份证号码中的出生日期（%(birth_date)s）晚于今天，请核对。"),
    "id_number_birth_date_too_early": _("居民身份证号码中的出生日期（%(birth_date)s）早于1900年，请核对。"),
    "id_number_checksum": _("居民身份证号码校验位不正确，请逐位核对号码。"),
}


def _today() -> date:
    """Today's date in the project's time zone (Asia/Shanghai)."""
    if getattr(settings, "USE_TZ", False):
        return timezone.localdate()
    return date.today()


def normalize_id_number(value: object) -> str:
    """NFKC (full-width digits → ASCII), drop whitespace, ``x`` → ``X``."""
    return _compact(value)


def id_check_char(first17: str) -> str:
    """Check character (``0``–``9`` or ``X``) for the first 17 digits of an ID.

    Raises ``ValueError`` unless ``first17`` is exactly 17 ASCII digits.
    """
    if not isinstance(first17, str) or not _DIGITS_17_RE.fullmatch(first17):
        raise ValueError("id_check_char() needs exactly 17 ASCII digits")
    total = sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _id_error(code: str, **params: object) -> ValidationError:
    return ValidationError(ID_MESSAGES[code], code=code, params=params or None)


def _checked_id_number(value: object) -> tuple[str, date]:
    """Normalise and fully validate; return (number, birth date)."""
    number = normalize_id_number(value)
    if _ID_15_RE.fullmatch(number):
        raise _id_error("id_number_legacy")
    if len(number) != ID_NUMBER_LENGTH:
        raise _id_error("id_number_length", length=len(number))
    if not _ID_18_RE.fullmatch(number):
        raise _id_error("id_number_characters")
    digits = number[6:14]
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise _id_error("id_number_birth_date_invalid", digits=digits) from None
    if birth > _today():
        raise _id_error("id_number_birth_date_future", birth_date=birth.isoformat())
    if birth < ID_NUMBER_MIN_BIRTH_DATE:
        raise _id_error("id_number_birth_date_too_early", birth_date=birth.isoformat())
    if id_check_char(number[:17]) != number[17]:
        raise _id_error("id_number_checksum")
    return number, birth


def validate_id_number(value: object) -> None:
    """Django validator for an 18-character resident ID number.

    Address codes are *not* checked against GB/T 2260 (abolished codes stay
    valid for life); 港澳台居民居住证 numbers (81/82/83…) pass like any other.
    Error codes: ``id_number_legacy`` (15 digits), ``id_number_length``,
    ``id_number_characters``, ``id_number_birth_date_invalid``,
    ``id_number_birth_date_future``, ``id_number_birth_date_too_early``,
    ``id_number_checksum``.
    """
    _checked_id_number(value)


def is_valid_id_number(value: object) -> bool:
    try:
        _checked_id_number(value)
    except ValidationError:
        return False
    return True


def id_number_birth_date(value: object) -> date:
    """Birth date encoded in a valid ID number (raises ``ValidationError`` if invalid)."""
    return _checked_id_number(value)[1]


def id_number_gender(value: object) -> str:
    """``"M"`` (odd 17th digit) or ``"F"`` (even); raises ``ValidationError`` if invalid."""
    number, _birth = _checked_id_number(value)
    return "M" if int(number[16]) % 2 else "F"


def id_number_age(value: object, on: date | None = None) -> int:
    """Age in full years on ``on`` (default: today); raises ``ValidationError`` if invalid."""
    birth = id_number_birth_date(value)
    on = on or _today()
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def work_start_problem(start: date, id_number: object = None) -> str | None:
    """Why 参加工作时间 `start` is implausible, or None: it must not be in the future, nor before the
    16th birthday (the minimum working age, 劳动法 §15) read from `id_number` when that is valid."""
    if start > _today():
        return str(_("参加工作时间不能晚于今天。"))
    if id_number and is_valid_id_number(id_number):
        birth = id_number_birth_date(id_number)
        day = 28 if (birth.month, birth.day) == (2, 29) else birth.day
        sixteen = date(birth.year + 16, birth.month, day)
        if start < sixteen:
            return str(_("参加工作时间应在领衔人年满16周岁（%(date)s）之后，请核对。") % {"date": sixteen.isoformat()})
    return None


def upgrade_id_number_15(value: object) -> str:
    """Convert a legacy 15-digit ID (born 19xx) to the 18-digit form.

    For data imports only; forms must ask for the 18-digit number.  Raises
    ``ValueError`` if ``value`` is not 15 digits.
    """
    number = normalize_id_number(value)
    if not _ID_15_RE.fullmatch(number):
        raise ValueError("upgrade_id_number_15() needs exactly 15 digits")
    first17 = number[:6] + "19" + number[6:]
    return first17 + id_check_char(first17)


# ---------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015)
# ---------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I O S V Z
_USCC_VALUES = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(f"[{USCC_ALPHABET}]{{18}}")

USCC_MESSAGES = {
    "uscc_length": _("统一社会信用代码应为18位，您填写了%(length)d位。"),
    "uscc_characters": _(
        "统一社会信用代码只含数字和大写字母，且不使用字母I、O、S、V、Z（请检查是否把数字0、1等输成了字母）。"
    ),
    "uscc_checksum": _("统一社会信用代码校验位不正确，请对照营业执照或登记证书逐位核对。"),
}


def normalize_uscc(value: object) -> str:
    """NFKC, drop whitespace, upper-case."""
    return _compact(value)


def uscc_check_char(first17: str) -> str:
    """Check character for the first 17 characters of a 统一社会信用代码.

    Raises ``ValueError`` unless ``first17`` is 17 characters of
    ``USCC_ALPHABET``.
    """
    if not isinstance(first17, str) or len(first17) != 17 or any(ch not in _USCC_VALUES for ch in first17):
        raise ValueError("uscc_check_char() needs 17 characters from USCC_ALPHABET")
    total = sum(_USCC_VALUES[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: object) -> None:
    """Django validator for a 统一社会信用代码.

    Checks length, alphabet and the check character only (no registry
    look-up, no check of the embedded organisation code).  Error codes:
    ``uscc_length``, ``uscc_characters``, ``uscc_checksum``.
    """
    code = normalize_uscc(value)
    if len(code) != USCC_LENGTH:
        raise ValidationError(USCC_MESSAGES["uscc_length"], code="uscc_length", params={"length": len(code)})
    if not _USCC_RE.fullmatch(code):
        raise ValidationError(USCC_MESSAGES["uscc_characters"], code="uscc_characters")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(USCC_MESSAGES["uscc_checksum"], code="uscc_checksum")


def is_valid_uscc(value: object) -> bool:
    try:
        validate_uscc(value)
    except ValidationError:
        return False
    return True


# ---------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------

# Dash-like characters NFKC leaves alone (NFKC already maps － ﹣ to "-").
_DASHES = dict.fromkeys((0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0x30FC), "-")
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE_RE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}(?:-[0-9]{1,6})?")
_LOCAL_ONLY_RE = re.compile(r"[1-9][0-9]{6,7}(?:-[0-9]{1,6})?")
_PAREN_AREA_RE = re.compile(r"\((0[0-9]{2,3})\)-?(.+)")
_COUNTRY_RE = re.compile(r"(\+|00)?86-?(.+)")
_EXTENSION_RE = re.compile(r"(?:转|分机|EXT\.?)([0-9]{1,6})$")
_LANDLINE_NO_HYPHEN_RE = re.compile(r"(0[0-9]{9,11})(-[0-9]{1,6})?")
_LANDLINE_SPLIT_LOCAL_RE = re.compile(r"(0[0-9]{2,3})-([0-9]{3,4})-([0-9]{4})")

PHONE_MESSAGES = {
    "mobile_invalid": _("请填写正确的11位手机号码，如 13912345678。"),
    "landline_invalid": _("请填写带区号的固定电话号码，如 0511-85340338。"),
    "landline_missing_area_code": _("固定电话请加上区号，如 0511-85340338。"),
    "phone_invalid": _("请填写11位手机号码或带区号的固定电话，如 0511-85340338。"),
}


def normalize_phone(value: object) -> str:
    """Canonical form of a mobile or landline number.

    NFKC, dashes → ``-``, whitespace dropped, ``(0511)85340338`` →
    ``0511-85340338``, ``转123`` → ``-123``; a leading ``+86``/``0086``/``86``
    is removed from mobiles (``+86 138 0000 0000`` → ``13800000000``) and
    ``+86 511 85340338`` becomes ``0511-85340338``.  Hyphens inside a mobile
    number are dropped; a landline typed without a hyphen gets one after the
    area code (3 digits for 010/02x, else 4) and a local number split in two
    (``0511-8534-0338``) is joined.  Anything unrecognisable is
    returned compacted but otherwise unchanged, for the validator to reject.
    """
    text = _compact(unicodedata.normalize("NFKC", _as_str(value)).translate(_DASHES))
    if not text:
        return ""
    text = _EXTENSION_RE.sub(r"-\1", text)
    match = _PAREN_AREA_RE.fullmatch(text)
    if match:
        text = f"{match[1]}-{match[2]}"
    match = _COUNTRY_RE.fullmatch(text)
    if match:
        rest = match[2]
        rest_digits = rest.replace("-", "")
        if _MOBILE_RE.fullmatch(rest_digits):
            return rest_digits
        if match[1]:  # explicit +86 / 0086 before a landline
            text = rest if rest.startswith("0") else "0" + rest
    digits = text.replace("-", "")
    if _MOBILE_RE.fullmatch(digits):
        return digits
    match = _LANDLINE_SPLIT_LOCAL_RE.fullmatch(text)
    if match and len(match[2] + match[3]) in (7, 8):  # "0511-8534-0338"
        return f"{match[1]}-{match[2]}{match[3]}"
    match = _LANDLINE_NO_HYPHEN_RE.fullmatch(text)
    if match:
        number, extension = match[1], match[2] or ""
        area_len = 3 if number[1] in "12" else 4  # 010 and 02x have 3 digits
        if len(number) - area_len in (7, 8):
            return f"{number[:area_len]}-{number[area_len:]}{extension}"
    return text


def validate_mobile(value: object) -> None:
    """Mainland mobile number ``1[3-9]`` + 9 digits.  Code ``mobile_invalid``."""
    if not _MOBILE_RE.fullmatch(normalize_phone(value)):
        raise ValidationError(PHONE_MESSAGES["mobile_invalid"], code="mobile_invalid")


def validate_landline(value: object) -> None:
    """Landline with area code, optional extension.

    Codes ``landline_missing_area_code`` (e.g. ``85340338``) and
    ``landline_invalid``.
    """
    phone = normalize_phone(value)
    if _LANDLINE_RE.fullmatch(phone):
        return
    if _LOCAL_ONLY_RE.fullmatch(phone):
        raise ValidationError(PHONE_MESSAGES["landline_missing_area_code"], code="landline_missing_area_code")
    raise ValidationError(PHONE_MESSAGES["landline_invalid"], code="landline_invalid")


def validate_phone(value: object) -> None:
    """Mobile or landline.  Codes ``landline_missing_area_code``, ``phone_invalid``."""
    phone = normalize_phone(value)
    if _MOBILE_RE.fullmatch(phone) or _LANDLINE_RE.fullmatch(phone):
        return
    if _LOCAL_ONLY_RE.fullmatch(phone):
        raise ValidationError(PHONE_MESSAGES["landline_missing_area_code"], code="landline_missing_area_code")
    raise ValidationError(PHONE_MESSAGES["phone_invalid"], code="phone_invalid")


# ---------------------------------------------------------------------------
# 邮政编码
# ---------------------------------------------------------------------------

_POSTCODE_RE = re.compile(r"[0-9]{6}")

POSTCODE_MESSAGES = {
    "postcode_invalid": _("邮政编码应为6位数字。"),
}


def normalize_postcode(value: object) -> str:
    """NFKC, drop whitespace."""
    return _compact(value)


def validate_postcode(value: object) -> None:
    """Six digits.  Code ``postcode_invalid``."""
    if not _POSTCODE_RE.fullmatch(normalize_postcode(value)):
        raise ValidationError(POSTCODE_MESSAGES["postcode_invalid"], code="postcode_invalid")


def postcode_warning(value: object, expected_prefix: str = ZHENJIANG_POSTCODE_PREFIX) -> str | None:
    """Warning text (not an error) if a valid postcode is not a Zhenjiang one.

    Returns ``None`` for Zhenjiang postcodes (212xxx) and for empty or
    malformed values (those are ``validate_postcode``'s business).
    """
    code = normalize_postcode(value)
    if not _POSTCODE_RE.fullmatch(code) or code.startswith(expected_prefix):
        return None
    return gettext("镇江市的邮政编码以%(prefix)s开头，您填写的是%(postcode)s，请确认地址和邮编是否正确。") % {
        "prefix": expected_prefix,
        "postcode": code,
    }


# ---------------------------------------------------------------------------
# Form fields
# ---------------------------------------------------------------------------


class _NormalizingCharField(forms.CharField):
    """CharField that normalises in ``to_python`` and validates afterwards.

    No ``max_length`` validator by default: the field validators check exact
    lengths with better messages, and the HTML ``maxlength`` is generous so
    that users can type or paste numbers with spaces.
    """

    normalizer = staticmethod(normalize_text)
    html_maxlength: int | None = None
    extra_attrs: dict[str, str] = {}
    default_help_text = ""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", self.default_help_text)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return self.normalizer(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if self.max_length is None and self.html_maxlength and not widget.is_hidden:
            attrs.setdefault("maxlength", str(self.html_maxlength))
        for key, val in self.extra_attrs.items():
            attrs.setdefault(key, val)
        return attrs


class IDNumberField(_NormalizingCharField):
    normalizer = staticmethod(normalize_id_number)
    default_validators = [validate_id_number]
    html_maxlength = 24
    extra_attrs = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
    default_help_text = _("18位居民身份证号码（港澳台居民可填居住证号码），末位X大小写均可。")


class USCCField(_NormalizingCharField):
    normalizer = staticmethod(normalize_uscc)
    default_validators = [validate_uscc]
    html_maxlength = 24
    extra_attrs = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
    default_help_text = _("18位统一社会信用代码，见营业执照或法人登记证书。")


class PhoneField(_NormalizingCharField):
    normalizer = staticmethod(normalize_phone)
    default_validators = [validate_phone]
    html_maxlength = 32
    extra_attrs = {"inputmode": "tel", "autocomplete": "tel"}
    default_help_text = _("11位手机号码或带区号的固定电话，如 0511-85340338。")


class MobileField(_NormalizingCharField):
    normalizer = staticmethod(normalize_phone)
    default_validators = [validate_mobile]
    html_maxlength = 24
    extra_attrs = {"inputmode": "tel", "autocomplete": "tel"}
    default_help_text = _("11位手机号码。")


class LandlineField(_NormalizingCharField):
    normalizer = staticmethod(normalize_phone)
    default_validators = [validate_landline]
    html_maxlength = 32
    extra_attrs = {"inputmode": "tel", "autocomplete": "tel"}
    default_help_text = _("带区号的固定电话，如 0511-85340338；分机号用“-”隔开。")


class PostcodeField(_NormalizingCharField):
    normalizer = staticmethod(normalize_postcode)
    default_validators = [validate_postcode]
    html_maxlength = 10
    extra_attrs = {"inputmode": "numeric", "autocomplete": "postal-code"}
    default_help_text = _("6位数字邮政编码，镇江市一般以212开头。")
