"""Chinese labels of the 社情民意 audit verbs (the status timeline and the audit page read them)."""

from zhengxie.audit.verbs import register_verbs

register_verbs({
    "opinion.create": "起草社情民意信息", "opinion.update": "修改社情民意信息", "opinion.submit": "提交社情民意信息",
    "opinion.screen_out": "不予采用", "opinion.reconsider": "重新审核", "opinion.adopt": "采用",
    "opinion.combine": "综合采用", "opinion.piece": "撰写综合稿", "opinion.edit": "编辑", "opinion.sign": "签发",
    "opinion.send_back": "退回编辑", "opinion.publish": "刊发", "opinion.forward": "报送上级政协",
    "opinion.receive": "收到下级政协报送",
    "opinion.from_proposal": "由提案转来", "opinion.referral": "转送有关部门", "opinion.feedback": "办理反馈",
    "opinion.instruction": "批示", "opinion.media": "媒体刊发", "opinion.signer_grant": "指定签发人",
    "opinion.signer_revoke": "取消签发人", "opinion_issue.create": "新建期刊", "opinion_issue.update": "编排期刊",
    "opinion_issue.publish": "印发期刊",
})
