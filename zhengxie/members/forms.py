from __future__ import annotations

from django import forms

from zhengxie.members.models import Member
from zhengxie.members.workflow import MEMBER_WORKFLOW
from zhengxie.org.models import Party, Sector, SpecialCommittee, Workstation


class MemberFilterForm(forms.Form):
    q = forms.CharField(label="姓名或单位", required=False, max_length=50,
                        widget=forms.TextInput(attrs={"type": "search"}))
    sector = forms.ModelChoiceField(label="界别", queryset=Sector.objects.none(), required=False, empty_label="全部")
    party = forms.ModelChoiceField(label="党派", queryset=Party.objects.none(), required=False, empty_label="全部")
    special_committee = forms.ModelChoiceField(label="专委会", queryset=SpecialCommittee.objects.none(),
                                               required=False, empty_label="全部")
    state = forms.ChoiceField(label="状态", required=False,
                              choices=[("", "全部")] + list(MEMBER_WORKFLOW.states.items()))

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this committee's lists: an id from another committee is simply "not a valid choice".
        self.fields["sector"].queryset = Sector.objects.filter(committee=committee)
        self.fields["party"].queryset = Party.objects.filter(committee=committee)
        self.fields["special_committee"].queryset = SpecialCommittee.objects.filter(committee=committee)


class MemberForm(forms.ModelForm):
    birth_month = forms.DateField(label="出生年月", required=False, input_formats=["%Y-%m", "%Y-%m-%d"],
                                  widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    phone = forms.RegexField(label="手机号", regex=r"^1[3-9]\d{9}$", required=False,
                             error_messages={"invalid": "请输入 11 位手机号码。"},
                             widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}))

    class Meta:
        model = Member
        fields = ["name", "gender", "ethnicity", "birth_month", "sector", "party", "employer_title", "phone",
                  "special_committee", "workstation", "title"]

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].queryset = Sector.objects.filter(committee=committee, is_active=True)
        self.fields["party"].queryset = Party.objects.filter(committee=committee, is_active=True)
        self.fields["special_committee"].queryset = SpecialCommittee.objects.filter(committee=committee,
                                                                                    is_active=True)
        self.fields["workstation"].queryset = Workstation.objects.filter(committee=committee, is_active=True)

    def clean_birth_month(self):
        value = self.cleaned_data.get("birth_month")
        return value.replace(day=1) if value else None
