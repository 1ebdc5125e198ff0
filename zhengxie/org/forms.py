from __future__ import annotations

from django import forms


class SessionForm(forms.Form):
    term_number = forms.IntegerField(label="届次（数字，如 11）", min_value=1, max_value=99)
    number = forms.IntegerField(label="会次（数字，如 6）", min_value=1, max_value=20)
    start_date = forms.DateField(label="开幕日期", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="闭幕日期", widget=forms.DateInput(attrs={"type": "date"}))
