"""Forms of the 社情民意 pages. They check shape only (lengths, choices, dates); the rules live in
`opinions.services` and the workflow guards, whose Chinese messages the views show as form errors."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

from django import forms
from django.core import signing
from django.utils import timezone

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import Access
from zhengxie.opinions.models import BODY_HARD, BODY_SOFT, TITLE_MAX, Series, SourceKind
from zhengxie.opinions.permissions import O_EDIT
from zhengxie.opinions.selectors import DeskFilter
from zhengxie.org.models import Committee, Party

TEXT_ERRORS = {"required": "请填写%(label)s。", "max_length": "%(label)s不能超过 %(limit_value)d 个字（现在 %(show_value)d 个字）。"}


def _errors(label: str) -> dict[str, str]:
    return {k: v.replace("%(label)s", label) for k, v in TEXT_ERRORS.items()}


def _title_field(label: str = "标题", help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=TITLE_MAX, error_messages=_errors(label), help_text=help_text,
        # A box that wraps, so a long title shows whole on a phone; line breaks are dropped in clean.
        widget=forms.Textarea(attrs={"rows": 2, "class": "title-input", "autocomplete": "off"}),
    )


def _body_field(label: str = "正文", required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=BODY_HARD, error_messages=_errors(label), help_text=help_text,
        # data-soft-limit: static/js/opinions.js counts characters live and warns past it.
        widget=forms.Textarea(attrs={"rows": 12, "data-soft-limit": BODY_SOFT}),
    )


def _one_line(value: str) -> str:
    return re.sub(r"[\r\n]+", "", value).strip()


ONE_MATTER_PUBLIC = f"一事一报：一条信息只反映一个问题。正文一般不超过 {BODY_SOFT} 字，写清情况、问题和建议。"
ONE_MATTER = ONE_MATTER_PUBLIC.removesuffix("。") + "；超过时会提示，但仍可保存。"


class OpinionForm(forms.Form):
    """A member's or informant's item: title and body, saved as a draft or submitted. For an editor creating
    one (`access` given), also whose item it is: a party's, a lower committee's or a member of the public's."""

    title = _title_field(help_text=f"不超过 {TITLE_MAX} 字，一般写作“关于……的建议”。")
    body = _body_field(required=False, help_text=ONE_MATTER + "提交前必须填写。")
    coauthors = forms.CharField(label="联名人", required=False, max_length=300,
                                help_text="与您一起反映的委员或特邀信息员，填写姓名，多位用顿号分隔；选填。")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, access: Access | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = access is not None and access.has(O_EDIT)
        if not self.staff:
            return
        own = [(k.value, f"本人（{k.label}）") for role, k in ((Role.MEMBER, SourceKind.MEMBER),
                                                            (Role.INFORMANT, SourceKind.INFORMANT))
               if role in access.roles]  # type: ignore[union-attr]
        others = [(k.value, k.label) for k in SourceKind if k.value in SourceKind.by_staff()]
        self.fields["source_kind"] = forms.ChoiceField(
            label="来源", choices=[("", "请选择")] + own + others,
            error_messages={"required": "请选择信息来源。", "invalid_choice": "请选择信息来源。"},
            help_text="代党派、下级政协或群众录入时选择相应来源，并填写下面的单位或反映人。")
        self.fields["body_name"] = forms.CharField(label="报送单位", required=False, max_length=100,
                                                   help_text="党派、下级政协报送的，填写单位全称，如“民盟云湖区委”。")
        self.fields["submitter_name"] = forms.CharField(label="反映人", required=False, max_length=50,
                                                        help_text="社会公众反映的，填写姓名。")
        self.fields["submitter_contact"] = forms.CharField(label="反映人联系方式", required=False, max_length=100,
                                                           help_text="仅编辑可见。")
        parties = list(Party.objects.filter(committee=access.committee).order_by("order", "id")  # type: ignore[union-attr]
                       .values_list("id", "name"))
        if parties:
            self.fields["party"] = forms.TypedChoiceField(label="党派", required=False, coerce=int, empty_value=None,
                                                          choices=[("", "（不涉及）")] + parties)

    def clean_title(self) -> str:
        return _one_line(self.cleaned_data["title"])

    def coauthor_names(self) -> list[str]:
        raw = re.split(r"[、，,;；\s]+", self.cleaned_data.get("coauthors") or "")
        return list(dict.fromkeys(n for n in raw if n))

    def service_data(self) -> dict[str, Any]:
        """The cleaned values in the shape `services.opinion_create` takes."""
        d = self.cleaned_data
        data: dict[str, Any] = {"title": d["title"], "body": d.get("body") or ""}
        if self.staff:
            data.update(source_kind=d.get("source_kind") or None, body_name=d.get("body_name") or "",
                        submitter_name=d.get("submitter_name") or "",
                        submitter_contact=d.get("submitter_contact") or "", party_id=d.get("party"))
        return data


class EditForm(forms.Form):
    """The editors' version of an item (the original is kept beside it)."""

    title = _title_field("编辑后的标题")
    body = _body_field("编辑后的正文", help_text=f"社情民意一般不超过 {BODY_SOFT} 字，一事一报。")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_title(self) -> str:
        return _one_line(self.cleaned_data["title"])


class CombineForm(forms.Form):
    """综合采用: the piece the editors write from several submitted items."""

    title = _title_field("综合稿标题")
    body = _body_field("综合稿正文", help_text="已按来源顺序放入各条信息的正文，请整合成一篇。")

    def clean_title(self) -> str:
        return _one_line(self.cleaned_data["title"])


DATE_FORMAT_HINT = "应为 2026-03-01 这样的日期"
# Dates past these are typing mistakes; the bounds also keep "the day after" inside what datetime holds.
DESK_YEARS = (1949, 2999)


def _desk_date(label: str) -> forms.DateField:
    return forms.DateField(label=label, required=False, input_formats=["%Y-%m-%d"],
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"invalid": f"{label}的格式不对（{DATE_FORMAT_HINT}）"})


class DeskFilterForm(forms.Form):
    """The desk's filters. Each field stands alone: a bad value (a stale link, a hand-edited address)
    drops that filter with a message saying so, never the others and never the page."""

    q = forms.CharField(label="标题、作者或收文编号", required=False, max_length=100,
                        error_messages={"max_length": "搜索的文字不能超过 %(limit_value)d 个字"},
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off",
                                                      "enterkeyhint": "search"}))
    source_kind = forms.ChoiceField(label="来源", required=False, choices=[("", "全部来源"), *SourceKind.choices],
                                    error_messages={"invalid_choice": "没有这种来源"})
    sector = forms.TypedChoiceField(label="界别", required=False, coerce=int, empty_value=None, choices=[],
                                    error_messages={"invalid_choice": "本会没有这个界别"})
    submitted_from = _desk_date("提交日期（起）")
    submitted_to = _desk_date("提交日期（止）")

    def __init__(self, *args: Any, sectors: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.sector_names = dict(sectors)
        self.fields["sector"].choices = [("", "全部界别"), *sectors]  # type: ignore[attr-defined]

    def _clean_date(self, name: str) -> Any:
        day = self.cleaned_data.get(name)
        if day is not None and not DESK_YEARS[0] <= day.year <= DESK_YEARS[1]:
            raise forms.ValidationError(f"{self.fields[name].label}超出范围（{DATE_FORMAT_HINT}）")
        return day

    def clean_submitted_from(self) -> Any:
        return self._clean_date("submitted_from")

    def clean_submitted_to(self) -> Any:
        return self._clean_date("submitted_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            # Both dropped: guessing which one was meant would show the wrong items without a word.
            del data["submitted_from"], data["submitted_to"]
            raise forms.ValidationError("提交日期的起始日期晚于截止日期")
        return data

    def valid_data(self) -> dict[str, Any]:
        """The valid, non-empty filter values (what the desk applies and its links carry)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if "q" in data:
            data["q"] = data["q"].replace("\x00", "").strip()
        return {k: v for k, v in data.items() if v not in (None, "")}

    def problems(self) -> list[str]:
        """Why some filters were dropped, one sentence each (shown above the list)."""
        if not self.is_bound or self.is_valid():
            return []
        return [str(e) for errors in self.errors.values() for e in errors]

    def desk_filter(self) -> DeskFilter:
        d = self.valid_data()
        tz = timezone.get_current_timezone()

        def start_of(day: dt.date | None) -> dt.datetime | None:
            return dt.datetime.combine(day, dt.time.min, tzinfo=tz) if day else None

        end = d.get("submitted_to")
        return DeskFilter(
            q=d.get("q", ""), source_kind=d.get("source_kind", ""), sector_id=d.get("sector"),
            sector_name=self.sector_names.get(d.get("sector"), ""),  # type: ignore[arg-type]
            submitted_from=start_of(d.get("submitted_from")),
            submitted_before=start_of(end + dt.timedelta(days=1) if end else None),
        )

    def params(self) -> dict[str, str]:
        """The applied filters as query parameters, for the tabs' and the pager's links."""
        return {k: v.isoformat() if isinstance(v, dt.date) else str(v) for k, v in self.valid_data().items()}


class IssueForm(forms.Form):
    series = forms.ChoiceField(label="刊物", choices=Series.choices, widget=forms.RadioSelect,
                               initial=Series.EXPRESS,
                               error_messages={"required": "请选择刊物。", "invalid_choice": "请选择刊物。"})
    recipients_main = forms.CharField(
        label="主送", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="单位之间用逗号或顿号分隔，如：区委、区政府。印发前必须填写。")
    recipients_copy = forms.CharField(label="抄送", required=False, max_length=2000,
                                      widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text="选填，单位之间用逗号或顿号分隔。")


class RecipientsForm(forms.Form):
    recipients_main = IssueForm.base_fields["recipients_main"]
    recipients_copy = IssueForm.base_fields["recipients_copy"]


LEVEL_CHOICES = [("", "请选择")] + list(Committee.Level.choices)


class InstructionRowForm(forms.Form):
    """One 批示 of the clerk's stack. A row left blank is skipped."""

    opinion = forms.TypedChoiceField(label="信息", coerce=int, required=False, choices=[],
                                     error_messages={"invalid_choice": "请选择信息。"})
    level = forms.ChoiceField(label="批示层级", required=False, choices=LEVEL_CHOICES,
                              error_messages={"invalid_choice": "请选择批示层级。"})
    person = forms.CharField(label="批示领导", required=False, max_length=50, error_messages=_errors("批示领导"))
    person_title = forms.CharField(label="领导职务", required=False, max_length=100, error_messages=_errors("领导职务"))
    date = forms.DateField(label="批示日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"invalid": "批示日期的格式不对（应为 2026-03-01 这样的日期）。"})
    text = forms.CharField(label="批示内容", required=False, max_length=5000, error_messages=_errors("批示内容"),
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opinion"].choices = [("", "请选择")] + items  # type: ignore[attr-defined]

    def blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        # The level has a default, so it alone does not make a row.
        return not any(data.get(k) for k in ("opinion", "person", "person_title", "text", "date"))


# --- the public form's spam guard ------------------------------------------------------------------------

SPAM_SALT = "opinions.public-form"
MIN_FILL_SECONDS = 5  # a person reads and types; a bot posts at once
MAX_FILL_SECONDS = 6 * 3600


def form_stamp() -> str:
    """When the form was handed out, signed so it cannot be forged or back-dated."""
    return signing.dumps(int(time.time()), salt=SPAM_SALT)


class PublicForm(forms.Form):
    """社会公众反映社情民意: no account, so a honeypot and a signed fill time instead of a captcha."""

    name = forms.CharField(label="姓名", max_length=50, error_messages=_errors("姓名"),
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    contact = forms.CharField(label="联系方式", max_length=100, error_messages=_errors("联系方式"),
                              help_text="手机号或电子邮箱，仅供工作人员核实情况，不会公开。",
                              widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    title = _title_field(help_text=f"不超过 {TITLE_MAX} 字，如“关于……的建议”。")
    body = _body_field(help_text=ONE_MATTER_PUBLIC)
    # Hidden from people (CSS and aria-hidden); bots fill every field they find.
    website = forms.CharField(label="网址（请勿填写）", required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_title(self) -> str:
        return _one_line(self.cleaned_data["title"])

    def spam_problem(self) -> str | None:
        """Why this post looks automatic (None when it looks like a person's)."""
        if (self.data.get("website") or "").strip():
            return "提交未成功，请刷新页面后重新填写。"
        try:
            started = int(signing.loads(self.data.get("started") or "", salt=SPAM_SALT, max_age=MAX_FILL_SECONDS))
        except (signing.BadSignature, TypeError, ValueError):
            return "页面已过期，请刷新页面后重新填写。"
        if time.time() - started < MIN_FILL_SECONDS:
            return "提交太快了，请核对内容后再提交。"
        return None
