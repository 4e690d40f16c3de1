"""Password policy (等保 8.1.4.1 a; ASVS 5.0 V6.2), used through AUTH_PASSWORD_VALIDATORS.

- `ComplexityValidator`: at least 3 of 4 character classes (lower, upper, digit, other — other
  includes spaces and any non-ASCII character, so pasted Chinese passphrases count). This is the
  recorded deviation from ASVS 6.2.5, which forbids composition rules: 等保 requires "复杂度".
- `ContextWordsValidator`: refuses passwords containing words an attacker would try first for this
  portal (zhenjiang, 镇江, jineng, 技能 …) and the user's own username or unit names.
- `MaximumLengthValidator`: 128 characters accepted (ASVS 6.2.9 wants at least 64).
- `PasswordHistoryValidator`: the last PORTAL_PASSWORD_HISTORY passwords cannot be reused; its
  `password_changed` hook (called by Django whenever a password is saved) records the history and
  stamps `User.password_changed_at`, which drives the 90-day rotation (portal.security).
"""

import secrets
import string
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# Words tied to this portal and city. Compared after NFKC, lower-casing and removing separators.
CONTEXT_WORDS = (
    "zhenjiang", "镇江", "jineng", "技能", "dashi", "大师", "gongzuoshi", "工作室", "zjrs", "zjrsj",
    "renshe", "人社", "rensheju", "renli", "shebao", "jiangsu", "江苏", "dantu", "jingkou", "runzhou",
    "danyang", "yangzhong", "jurong", "password", "passw0rd", "mima", "密码", "admin", "qwerty",
    "123456", "abc123", "welcome", "changeme",
)
_SEPARATORS = str.maketrans("", "", " -_.@!#$%&*+=/\\|,;:'\"`~^")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(_SEPARATORS)


def character_classes(password: str) -> int:
    classes = [
        any(c.islower() and c.isascii() for c in password),
        any(c.isupper() and c.isascii() for c in password),
        any(c.isdigit() and c.isascii() for c in password),
        any(not (c.isascii() and c.isalnum()) for c in password),
    ]
    return sum(classes)


class ComplexityValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(unicodedata.normalize("NFKC", password)) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号（含空格和中文）中的至少%(n)d类。")
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("至少包含大写字母、小写字母、数字、符号中的%(n)d类。") % {"n": self.min_classes}


class MaximumLengthValidator:
    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(_("密码不能超过%(n)d个字符。") % {"n": self.max_length}, code="password_too_long")

    def get_help_text(self):
        return _("密码最长%(n)d个字符，可使用长口令（含空格、中文）。") % {"n": self.max_length}


def user_context_words(user) -> list[str]:
    """The user's own words: username, name parts, email local part, names of their units."""
    if user is None:
        return []
    words = [getattr(user, "username", "") or "", getattr(user, "full_name", "") or ""]
    email = getattr(user, "email", "") or ""
    words.append(email.split("@")[0])
    if getattr(user, "pk", None):
        from portal.models import RoleAssignment

        for name in RoleAssignment.objects.filter(user=user, unit__isnull=False).values_list("unit__name", flat=True):
            words.append(name)
    return [w for w in words if w]


class ContextWordsValidator:
    def __init__(self, words: tuple[str, ...] = CONTEXT_WORDS):
        self.words = tuple(_normalise(w) for w in words)

    def validate(self, password, user=None):
        plain = _normalise(password)
        leet = unicodedata.normalize("NFKC", password).casefold().translate(_LEET).translate(_SEPARATORS)
        own = []
        for word in (_normalise(w) for w in user_context_words(user)):
            own.append(word)
            if not word.isascii() and len(word) > 4:  # any 4 characters of a Chinese name
                own.extend(word[i:i + 4] for i in range(len(word) - 3))
        for word in (*self.words, *own):
            threshold = 2 if not word.isascii() else 4
            if len(word) >= threshold and (word in plain or word in leet):
                raise ValidationError(
                    _("密码不能包含易被猜到的词（如地名、平台名称、账号、单位名称）。"), code="password_context_word"
                )

    def get_help_text(self):
        return _("不能包含“镇江”“技能”“zhenjiang”等与本平台或本人相关的词。")


class PasswordHistoryValidator:
    """Refuse the last N passwords; record each new one (and stamp password_changed_at)."""

    def __init__(self, history: int | None = None):
        self.history = history

    @property
    def depth(self) -> int:
        return self.history if self.history is not None else getattr(settings, "PORTAL_PASSWORD_HISTORY", 5)

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None):
            return
        from django.contrib.auth.hashers import check_password

        from portal.models import PasswordHistory

        previous = PasswordHistory.objects.filter(user=user).order_by("-id").values_list("password", flat=True)
        for encoded in previous[: self.depth]:
            if check_password(password, encoded):
                raise ValidationError(
                    _("新密码不能与最近%(n)d次使用过的密码相同。") % {"n": self.depth}, code="password_reused"
                )

    def password_changed(self, password, user=None):
        if user is None or not getattr(user, "pk", None):
            return
        from portal.models import PasswordHistory, User

        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).order_by("-id").values_list("id", flat=True)[self.depth:]
        PasswordHistory.objects.filter(id__in=list(stale)).delete()
        now = timezone.now()
        User.objects.filter(pk=user.pk).update(password_changed_at=now)
        user.password_changed_at = now

    def get_help_text(self):
        return _("不能与最近%(n)d次使用过的密码相同。") % {"n": self.depth}


def generate_initial_password(length: int = 16) -> str:
    """A random initial password meeting every rule (all four classes), shown once to the sysadmin."""
    alphabet = string.ascii_letters + string.digits + "!#%+-=?@"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if character_classes(candidate) == 4:
            try:
                ContextWordsValidator().validate(candidate)
            except ValidationError:
                continue
            return candidate
