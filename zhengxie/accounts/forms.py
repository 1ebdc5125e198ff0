from __future__ import annotations

from django import forms


class LoginForm(forms.Form):
    identifier = forms.CharField(label="用户名或手机号", max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label="密码", max_length=200, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
