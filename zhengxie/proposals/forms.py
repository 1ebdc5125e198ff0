"""Forms of the member's proposal pages. They check shape only (lengths, choices); the rules live in
`proposals.services` and the workflow guards, whose Chinese messages the views show as form errors."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from zhengxie.accounts.permissions import Access
from zhengxie.org.models import Session
from zhengxie.proposals.models import TITLE_MAX, Category, Evaluation, ProposerKind
from zhengxie.proposals.permissions import P_REVIEW
from zhengxie.proposals.services import MAX_TEXT

MEMBER_KINDS = [(ProposerKind.INDIVIDUAL.value, ProposerKind.INDIVIDUAL.label),
                (ProposerKind.JOINT.value, ProposerKind.JOINT.label)]


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Session) -> str:  # type: ignore[override]
        return obj.name


class ProposalForm(forms.Form):
    title = forms.CharField(
        label="标题", max_length=TITLE_MAX, error_messages={"required": "请填写标题。"},
        help_text=f"不超过 {TITLE_MAX} 字，一般写作“关于……的提案”。一事一案：一件提案只提一个问题。",
        # A box that wraps, so the whole title shows on a phone; line breaks are dropped in clean_title.
        widget=forms.Textarea(attrs={"rows": 2, "class": "title-input", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label="案由", required=False, max_length=MAX_TEXT,
        help_text="情况分析：存在什么问题，原因是什么。提交前必须填写。",
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    suggestion = forms.CharField(
        label="建议", required=False, max_length=MAX_TEXT,
        help_text="具体、可操作的建议，可分条写。提交前必须填写。",
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "请选择")] + list(Category.choices),
                                 help_text="提交前必须选择。")
    proposer_kind = forms.ChoiceField(label="提案者类型", choices=MEMBER_KINDS, initial=ProposerKind.INDIVIDUAL,
                                      widget=forms.RadioSelect,
                                      help_text="联名提案须先邀请其他委员联名，至少一位确认后才能提交。",
                                      error_messages={"invalid_choice": "委员可提出个人提案或联名提案；"
                                                                        "党派、界别等集体提案由提案委员会工作人员录入。"})
    body_name = forms.CharField(label="提案单位", required=False, max_length=100,
                                help_text="集体提案填写提案单位全称，如“民盟某某区委员会”“经济界”。")
    session = SessionChoiceField(label="会议", queryset=Session.objects.none(), required=False, empty_label=None)
    between_sessions = forms.BooleanField(label="平时提案（闭会期间提出，单独编号）", required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = access.has(P_REVIEW)
        sessions = Session.objects.filter(committee=access.committee).order_by("-start_date", "-pk")
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]
        if self.staff:
            # The proposal office also enters collective proposals (党派, 界别 …) in the body's name.
            self.fields["proposer_kind"].choices = list(ProposerKind.choices)  # type: ignore[attr-defined]
            self.fields["proposer_kind"].widget = forms.Select(choices=ProposerKind.choices)
            self.fields["proposer_kind"].help_text = "集体提案请同时填写提案单位。" + self.fields["proposer_kind"].help_text
        else:
            del self.fields["body_name"]

    def clean_title(self) -> str:
        return re.sub(r"[\r\n]+", "", self.cleaned_data["title"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("session") is None and self.fields["session"].queryset.exists():  # type: ignore[attr-defined]
            self.add_error("session", "请选择会议。")
        return data

    def service_data(self) -> dict[str, Any]:
        """The cleaned values in the shape `services.proposal_create/update` take."""
        d = self.cleaned_data
        data = {key: d.get(key) or "" for key in ("title", "reason", "suggestion", "category", "proposer_kind")}
        data["body_name"] = (d.get("body_name") or "") if self.staff else ""
        data["session_id"] = d["session"].pk if d.get("session") else None
        data["between_sessions"] = bool(d.get("between_sessions"))
        return data


class InviteForm(forms.Form):
    q = forms.CharField(label="查找委员", required=False, max_length=50,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off",
                                                      "placeholder": "姓名、界别或单位", "enterkeyhint": "search"}))


RATING_CHOICES = list(Evaluation.Rating.choices)


class EvaluationForm(forms.Form):
    handling = forms.ChoiceField(label="对办理工作（沟通、态度）", choices=RATING_CHOICES, widget=forms.RadioSelect,
                                 error_messages={"required": "请评价办理工作。",
                                                 "invalid_choice": "请在“满意、基本满意、不满意”中选择。"})
    result = forms.ChoiceField(label="对办理结果", choices=RATING_CHOICES, widget=forms.RadioSelect,
                               error_messages={"required": "请评价办理结果。",
                                               "invalid_choice": "请在“满意、基本满意、不满意”中选择。"})
    comment = forms.CharField(label="意见和建议", required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="选填。不满意时请写明原因，便于提案委员会决定是否重新办理。")
