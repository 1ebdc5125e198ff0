from __future__ import annotations

from django import forms


class EventFilterForm(forms.Form):
    verb = forms.CharField(label="动作", required=False, max_length=64)
    actor = forms.CharField(label="操作人", required=False, max_length=50)
    object_type = forms.CharField(label="对象类型", required=False, max_length=64)
    object_id = forms.CharField(label="对象编号", required=False, max_length=64)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
