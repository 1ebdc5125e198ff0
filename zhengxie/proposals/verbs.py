"""Chinese labels of the proposal audit verbs (the status timeline and the audit page read them)."""

from zhengxie.audit.verbs import register_verbs

register_verbs({
    "proposal.create": "起草提案", "proposal.update": "修改提案", "proposal.invite": "邀请联名",
    "proposal.cosign": "确认联名", "proposal.decline": "谢绝联名", "proposal.submit": "提交提案",
    "proposal.register": "立案", "proposal.reject": "不予立案", "proposal.convert": "转为意见建议",
    "proposal.merge": "并案", "proposal.return": "退回修改", "proposal.assign": "交办",
    "proposal.reassign": "调整承办单位", "proposal.accept": "承办单位签收",
    "proposal.accept_rehandling": "承办单位签收", "proposal.reply": "答复",
    "proposal.part_reply": "分办单位答复", "proposal.opinion": "协办单位提出意见", "proposal.evaluate": "提案人评价",
    "proposal.rehandle": "重新办理", "proposal.close": "办结", "proposal.key": "重点提案",
    "proposal.supervise.meeting": "督办会议", "proposal.supervise.inspection": "实地视察",
    "proposal.supervise.consultation": "提案办理协商", "proposal.supervise.urge": "催办",
    "proposal.supervise.note": "督办批注",
})
