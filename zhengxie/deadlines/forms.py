from __future__ import annotations

from django import forms

from zhengxie.deadlines.services import NOTE_MAX

SCOPE_COMMITTEE, SCOPE_PLATFORM = "committee", "platform"


class CalendarDayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": "请选择日期。", "invalid": "请输入有效的日期，如 2027-01-01。"})
    is_workday = forms.TypedChoiceField(
        label="安排", choices=[("0", "放假"), ("1", "上班（调休补班）")], coerce=lambda v: v == "1",
        error_messages={"required": "请选择上班或放假。", "invalid_choice": "请选择上班或放假。"},
    )
    note = forms.CharField(label="说明", required=False, max_length=NOTE_MAX,
                           help_text="如：春节、元旦调休。",
                           error_messages={"max_length": f"说明不能超过 {NOTE_MAX} 个字。"})

    def __init__(self, *args, allow_platform: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if allow_platform:
            # Only a platform admin enters days for every committee at once (next year's national holidays).
            self.fields["scope"] = forms.ChoiceField(
                label="适用范围", choices=[(SCOPE_COMMITTEE, "本会"), (SCOPE_PLATFORM, "全平台（所有政协）")],
                initial=SCOPE_COMMITTEE, error_messages={"invalid_choice": "请选择适用范围。"},
            )
