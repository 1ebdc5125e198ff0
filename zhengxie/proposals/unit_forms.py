"""Forms of the handling-unit pages: the reply (or an assisting unit's opinion), the request to hand a
proposal back, and the report that a B-grade commitment was fulfilled. They only check the input;
the services decide whether the unit may do it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from zhengxie.attachments.validation import human_size, max_bytes
from zhengxie.proposals.models import Reply
from zhengxie.proposals.services import MAX_TEXT
from zhengxie.proposals.unit_services import NOTE_MAX, REASON_MAX

GRADE_HELP = {
    "A": "建议已经解决或被采纳",
    "B": "正在解决或已列入计划（答复后须报告落实情况）",
    "C": "因条件限制暂时无法解决，留作参考",
    "D": "其他情况",
}


class ReplyForm(forms.Form):
    """The lead (or a split) unit's reply letter; for an assisting unit only the opinion text."""

    text = forms.CharField(label="答复内容", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 10}),
                           error_messages={"required": "请填写答复内容。"})
    grade = forms.ChoiceField(label="办理结果", widget=forms.RadioSelect,
                              error_messages={"required": "请选择办理结果。", "invalid_choice": "请选择办理结果。"})
    contact = forms.ChoiceField(label="答复前与提案人的沟通方式", widget=forms.RadioSelect, choices=Reply.Contact.choices,
                                error_messages={"required": "请选择与提案人沟通的方式。",
                                                "invalid_choice": "请选择与提案人沟通的方式。"})
    contact_date = forms.DateField(label="沟通日期",
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   error_messages={"required": "请填写与提案人沟通的日期。",
                                                   "invalid": "请按“年-月-日”填写沟通日期，例如 2026-03-15。"})
    signed_by = forms.CharField(label="签发领导", max_length=50, help_text="签发答复函的单位负责人姓名及职务，如“李明 局长”。",
                                error_messages={"required": "请填写签发答复函的领导。"})
    file = forms.FileField(label="答复函文件（可选）", required=False)

    def __init__(self, *args: Any, opinion: bool, grade_d: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.opinion = opinion
        if opinion:
            for name in ("grade", "contact", "contact_date", "signed_by", "file"):
                del self.fields[name]
            self.fields["text"].label = "协办意见"
            self.fields["text"].help_text = "本单位对该提案的办理意见，提交后送主办单位，由主办单位统一答复提案人。"
            self.fields["text"].error_messages["required"] = "请填写协办意见。"
            return
        self.fields["file"].help_text = (
            f"盖章答复函的扫描件或电子版：PDF、Word、JPG 或 PNG，不超过 {human_size(max_bytes())}。")
        grades = [("A", "A"), ("B", "B"), ("C", "C")] + ([("D", "D")] if grade_d else [])
        self.fields["grade"].choices = [(g, f"{g} 类：{GRADE_HELP[g]}") for g, _ in grades]

    def clean_contact_date(self) -> Any:
        day = self.cleaned_data.get("contact_date")
        if day and day > timezone.localdate():
            raise forms.ValidationError("沟通日期不能晚于今天：请先与提案人沟通，再答复。")
        return day

    def payload(self) -> dict[str, Any]:
        """What `services.unit_answer` takes."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "file" and v not in (None, "")}
        if "contact_date" in data:
            data["contact_date"] = data["contact_date"].isoformat()
        return data


class ReassignRequestForm(forms.Form):
    reason = forms.CharField(
        label="申请调整的理由", max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="请说明该提案为什么不属于本单位的职责，并尽量写明建议由哪个单位承办。",
        error_messages={"required": "请填写申请调整的理由。"},
    )


class FulfilmentForm(forms.Form):
    note = forms.CharField(
        label="落实情况", max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="答复中承诺的事项现在办成了什么，例如“12 个小区的集中充电棚已于 9 月建成投用”。提交后告知提案人。",
        error_messages={"required": "请填写落实情况。"},
    )
