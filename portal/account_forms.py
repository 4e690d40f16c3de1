"""Forms of the sign-in second step, re-authentication and account administration."""

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.accounts import ADMIN_ROLES
from portal.enums import Role
from portal.models import Channel, RoleAssignment, Unit, User


class TokenField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("验证码"))
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("help_text", _("身份验证器App中显示的6位数字；也可输入一个8位备用码。"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True})

    def clean(self, value):
        return "".join(str(super().clean(value)).split())


class OTPTokenForm(forms.Form):
    token = TokenField()


class OTPEnrolForm(forms.Form):
    token = TokenField(help_text=_("扫描二维码后，身份验证器App中显示的6位数字。"))


class ReauthForm(forms.Form):
    """Password, plus a TOTP code when the user must use a second factor."""

    password = forms.CharField(
        label=_("密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args, request, with_token: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.device = None
        if with_token:
            self.fields["token"] = TokenField()

    def clean(self):
        data = super().clean()
        user = self.request.user
        if "password" in data:
            checked = authenticate(self.request, username=user.get_username(), password=data["password"])
            if checked is None or checked.pk != user.pk:
                raise ValidationError(_("密码不正确。"), code="invalid_login")
        if "token" in self.fields and data.get("token"):
            from django_otp import match_token

            self.device = match_token(user, data["token"])
            if self.device is None:
                raise ValidationError(_("验证码不正确或已使用过。"), code="invalid_token")
        return data


class AccountCreateForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "full_name", "email"]
        help_texts = {"username": _("字母、数字和 @.+-_；账号创建后会生成一次性初始密码，用户首次登录须修改。")}

    def clean_username(self):
        username = self.cleaned_data["username"]
        if username.lower() in {"admin", "root", "test", "sa", "administrator", "guest", "user", "demo"}:
            raise ValidationError(_("不能使用默认或通用账号名。"))
        return username


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("所属单位（申报单位角色）"), queryset=Unit.objects.filter(is_active=True),
                                  required=False)
    channel = forms.ModelChoiceField(label=_("所属推荐渠道（推荐单位角色）"),
                                     queryset=Channel.objects.filter(is_active=True), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == Role.UNIT and not data.get("unit"):
            self.add_error("unit", _("申报单位角色须选择所属单位。"))
        if role == Role.CHANNEL and not data.get("channel"):
            self.add_error("channel", _("推荐单位角色须选择所属推荐渠道。"))
        if role != Role.UNIT:
            data["unit"] = None
        if role != Role.CHANNEL:
            data["channel"] = None
        held = set(RoleAssignment.objects.filter(user=self.user).values_list("role", flat=True))
        if role in ADMIN_ROLES and held - {role}:
            raise ValidationError(_("系统管理员、安全管理员、审计管理员须由专人担任，不能与其他角色兼任。"))
        if role not in ADMIN_ROLES and held & ADMIN_ROLES:
            raise ValidationError(_("该账号是管理员账号，不能再授予业务角色。"))
        return data
