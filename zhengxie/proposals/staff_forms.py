"""Forms of the proposal office's pages: the desk's filters, assigning units, key proposals, 督办."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from zhengxie.accounts.models import User
from zhengxie.org.models import Session, Unit
from zhengxie.proposals.models import Assignment, Category, HandlingMode, Supervision
from zhengxie.proposals.queues import BETWEEN_SESSIONS

MAX_IDS = 200  # one bulk action; a clerk selects a page (50) at a time, so this is generous


class DeskFilterForm(forms.Form):
    q = forms.CharField(label="标题或案号", required=False, max_length=50,
                        widget=forms.TextInput(attrs={"type": "search"}))
    session = forms.ChoiceField(label="会议", required=False)
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "全部")] + list(Category.choices))
    key_only = forms.BooleanField(label="只看重点提案", required=False)
    order = forms.ChoiceField(label="排序", required=False,
                              choices=[("", "最新提交在前"), ("old", "最早提交在前")])

    def __init__(self, *args: Any, sessions: list[Session], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [("", "全部")] + [(str(s.pk), s.name) for s in sessions] + [
            (BETWEEN_SESSIONS, "平时提案")]

    def valid_data(self) -> dict[str, Any]:
        """The valid fields only: a stale session id drops that filter, not the search text."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data


def parse_ids(values: list[str]) -> list[int] | None:
    """Proposal ids from checkboxes; None when any is not a plain number (the form was tampered with)."""
    ids: list[int] = []
    for raw in values[:MAX_IDS + 1]:
        raw = raw.strip()
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            return None
        ids.append(int(raw))
    return list(dict.fromkeys(ids))


class AssignForm(forms.Form):
    """Units and deadline for 交办. Which unit fields count depends on the mode; the page hides the others
    (and disables them, so they are not sent), but without script all are shown, so a combination that
    does not fit the mode is refused with a message rather than silently dropped."""

    mode = forms.ChoiceField(label="办理方式", choices=HandlingMode.choices, initial=HandlingMode.SINGLE,
                             widget=forms.RadioSelect)
    lead = forms.ModelChoiceField(label="主办单位", queryset=Unit.objects.none(), required=False,
                                  empty_label="请选择主办单位")
    assist = forms.ModelMultipleChoiceField(label="协办单位", queryset=Unit.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    split = forms.ModelMultipleChoiceField(label="分办单位", queryset=Unit.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    due_date = forms.DateField(label="办理期限", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               error_messages={"required": "请填写办理期限。", "invalid": "办理期限的日期格式不对。"})
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("lead", "assist", "split"):
            self.fields[name].queryset = units  # type: ignore[attr-defined]
        self.fields["lead"].error_messages["invalid_choice"] = "所选主办单位不存在或已停用。"
        for name in ("assist", "split"):
            self.fields[name].error_messages["invalid_choice"] = "所选单位不存在或已停用。"
            self.fields[name].error_messages["invalid_pk_value"] = "所选单位不存在或已停用。"

    def clean_due_date(self) -> dt.date:
        due = self.cleaned_data["due_date"]
        if due <= timezone.localdate():
            raise forms.ValidationError("办理期限不能早于明天。")
        return due

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        mode, lead = data.get("mode"), data.get("lead")
        assist, split = list(data.get("assist") or []), list(data.get("split") or [])
        if mode == HandlingMode.SINGLE:
            if lead is None:
                self.add_error("lead", "单办请选择一个主办单位。")
            if assist or split:
                self.add_error(None, "单办只有一个主办单位：请取消所选的协办、分办单位，或把办理方式改为“主办+协办”或“分办”。")
        elif mode == HandlingMode.LEAD_ASSIST:
            if lead is None:
                self.add_error("lead", "主办+协办请选择一个主办单位。")
            if not assist:
                self.add_error("assist", "主办+协办请至少选择一个协办单位；只有一个单位时请选“单办”。")
            elif lead is not None and lead in assist:
                self.add_error("assist", f"{lead.name}已是主办单位，不能同时协办。")
            if split:
                self.add_error(None, "主办+协办不需要分办单位，请取消所选的分办单位。")
        elif mode == HandlingMode.SPLIT:
            if len(split) < 2:
                self.add_error("split", "分办请至少选择两个单位；只有一个单位时请选“单办”。")
            if lead is not None or assist:
                self.add_error(None, "分办的各单位分别答复，没有主办、协办之分：请取消所选的主办、协办单位。")
        return data

    def payload(self) -> dict[str, Any]:
        """The `assign`/`reassign` transition's payload."""
        data = self.cleaned_data
        mode = data["mode"]
        if mode == HandlingMode.SPLIT:
            units = [{"unit_id": u.pk, "role": Assignment.Role.SPLIT} for u in data["split"]]
        else:
            units = [{"unit_id": data["lead"].pk, "role": Assignment.Role.LEAD}]
            if mode == HandlingMode.LEAD_ASSIST:
                units += [{"unit_id": u.pk, "role": Assignment.Role.ASSIST} for u in data["assist"]]
        return {"mode": mode, "units": units, "due_date": data["due_date"].isoformat()}


class KeyForm(forms.Form):
    is_key = forms.BooleanField(label="列为重点提案", required=False)
    leader = forms.ModelChoiceField(label="领衔督办领导", queryset=User.objects.none(), required=False,
                                    empty_label="暂不指定")

    def __init__(self, *args: Any, leaders: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField = self.fields["leader"]  # type: ignore[assignment]
        field.queryset = User.objects.filter(pk__in=[u.pk for u in leaders])
        field.label_from_instance = lambda u: u.display_name or u.username  # type: ignore[method-assign]
        self.fields["leader"].error_messages["invalid_choice"] = "请选择本会的领导作为领衔督办人。"


class SuperviseForm(forms.Form):
    kind = forms.ChoiceField(label="督办方式", choices=Supervision.Kind.choices, initial=Supervision.Kind.URGE,
                             error_messages={"required": "请选择督办方式。", "invalid_choice": "请选择督办方式。"})
    text = forms.CharField(label="内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": "请填写督办内容。",
                                           "max_length": "内容不能超过 %(limit_value)d 个字。"})

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if "\x00" in text:
            raise forms.ValidationError("填写的内容含有不可见的非法字符，请删除后重试。")
        return text.strip()
