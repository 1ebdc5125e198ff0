from __future__ import annotations

from django import forms

from zhengxie.members.workflow import MEMBER_WORKFLOW
from zhengxie.org.models import Party, Sector, SpecialCommittee


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
