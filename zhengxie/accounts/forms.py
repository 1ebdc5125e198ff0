from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.validators import RegexValidator

from zhengxie.accounts.models import Role, User
from zhengxie.org.models import Unit

mobile = RegexValidator(r"^1[3-9]\d{9}$", "请输入 11 位手机号码。")


class LoginForm(forms.Form):
    identifier = forms.CharField(label="用户名或手机号", max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label="密码", max_length=200, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class RoleGrantForm(forms.Form):
    """Give a role in this committee to an existing account, or to a new one created on the spot."""

    username = forms.CharField(label="用户名或手机号", max_length=150)
    display_name = forms.CharField(label="姓名（新账号）", max_length=50, required=False)
    password = forms.CharField(label="初始密码（新账号）", required=False, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    unit = forms.ModelChoiceField(label="承办单位（经办人必选）", queryset=Unit.objects.none(), required=False)
    title = forms.CharField(label="职务", max_length=50, required=False)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(committee=committee, is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.UNIT_HANDLER and not data.get("unit"):
            self.add_error("unit", "承办单位经办人须选择所属单位。")
        ident = (data.get("username") or "").strip()
        existing = User.objects.filter(username=ident).first() or User.objects.filter(phone=ident).first()
        data["existing"] = existing
        if existing is None:
            if not data.get("display_name"):
                self.add_error("display_name", "新账号须填写姓名。")
            if not data.get("password"):
                self.add_error("password", "新账号须设置初始密码。")
            else:
                try:
                    validate_password(data["password"])
                except forms.ValidationError as exc:
                    self.add_error("password", exc)
        return data
