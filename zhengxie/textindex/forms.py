"""Forms of the search pages: the search box with its filters, and the similar-items tool.

Choices come from what the committee has (its sessions and units, fetched once by the view) and
from the registered sources (kinds, states, categories), so a value from another committee or a
stale link is simply "not a valid choice": the view drops that filter and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django import forms

from zhengxie.org.models import Session, Unit
from zhengxie.textindex import registry

# Long enough for any query a person types; the selector searches the first 64 characters and says so.
MAX_QUERY_INPUT = 200
MAX_TITLE = 300
MAX_BODY = 20000


def drop_control_characters(value: str) -> str:
    # NUL and other control characters cannot be searched for and PostgreSQL refuses NUL in text:
    # drop them instead of refusing the whole form over an invisible character from a paste.
    return "".join(ch for ch in value if ch >= " " or ch in "\n\r\t")


class PlainTextField(forms.CharField):
    """A CharField that silently drops control characters (NUL included) and cuts to `cut` characters."""

    def __init__(self, *args: object, cut: int | None = None, **kwargs: object) -> None:
        self.cut = cut
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def to_python(self, value: object) -> str:
        text = drop_control_characters(super().to_python(value))
        return text[: self.cut] if self.cut else text


def _state_choices(kind: str) -> list[tuple[str, str]]:
    """States of the chosen kind, or of every kind (a code two kinds share is shown once)."""
    labels: dict[str, list[str]] = {}
    for src in registry.sources():
        if kind and src.kind != kind:
            continue
        for code, label in src.states.items():
            if label not in labels.setdefault(code, []):
                labels[code].append(label)
    return [(code, "／".join(names)) for code, names in labels.items()]


def _category_choices(kind: str) -> list[tuple[str, str]]:
    seen: dict[str, None] = {}
    for src in registry.sources():
        if not kind or src.kind == kind:
            seen.update(dict.fromkeys(src.categories))
    return [(c, c) for c in seen]


def _unit_label(unit: Unit) -> str:
    return unit.name if unit.is_active else f"{unit.name}（已停用）"  # past items still name it


class SearchForm(forms.Form):
    q = PlainTextField(label="搜索", required=False, cut=MAX_QUERY_INPUT, strip=True,
                       widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off",
                                                     "placeholder": "标题或正文中的字词，如：电动自行车充电",
                                                     "enterkeyhint": "search"}))
    kind = forms.ChoiceField(label="类型", required=False)
    session = forms.TypedChoiceField(label="会议", required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label="状态", required=False)
    category = forms.ChoiceField(label="类别", required=False)
    unit = forms.TypedChoiceField(label="承办单位", required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    FILTERS = ("kind", "session", "state", "category", "unit", "date_from", "date_to")

    def __init__(self, *args: object, sessions: Sequence[Session], units: Sequence[Unit], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        kinds = [(s.kind, s.label) for s in registry.sources()]
        kind = self.data.get("kind", "") if self.is_bound else ""
        kind = kind if kind in dict(kinds) else ""  # an unknown kind: states and categories of all kinds
        everything = [("", "全部")]
        self.fields["kind"].choices = everything + kinds
        self.fields["session"].choices = everything + [(s.pk, s.name) for s in sessions]
        self.fields["state"].choices = everything + _state_choices(kind)
        self.fields["category"].choices = everything + _category_choices(kind)
        self.fields["unit"].choices = everything + [(u.pk, _unit_label(u)) for u in units]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
            self.add_error("date_to", "截止日期早于起始日期。")
        return data

    def valid_data(self) -> dict[str, object]:
        """The fields that are valid (an invalid filter is dropped, the others still apply)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    def filters_in_use(self) -> bool:
        """Whether any filter was given (the filter panel then starts open)."""
        return self.is_bound and any(self.data.get(name) for name in self.FILTERS)


class SimilarForm(forms.Form):
    title = PlainTextField(label="标题", required=False, max_length=MAX_TITLE, strip=True)
    body = PlainTextField(label="正文", required=False, max_length=MAX_BODY, strip=True,
                          widget=forms.Textarea(attrs={"rows": 8}),
                          help_text=f"粘贴事项的正文，最多 {MAX_BODY} 字。")
    kinds = forms.MultipleChoiceField(label="只查这些类型", required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text="都不选为全部类型。")
    whole_deployment = forms.BooleanField(label="在全平台范围查找", required=False,
                                          help_text="也查其他政协公开的事项。")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kinds"].choices = [(s.kind, s.label) for s in registry.sources()]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not self.errors and not (data.get("title") or data.get("body")):
            raise forms.ValidationError("请填写标题或正文。", code="empty")
        return data
