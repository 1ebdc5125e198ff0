"""Readable Chinese labels for audit verbs. Domains add theirs with `register_verbs` in AppConfig.ready()."""

from __future__ import annotations

VERB_LABELS: dict[str, str] = {
    "account.login": "登录",
    "account.login_failed": "登录失败",
    "account.locked": "账号锁定",
    "account.logout": "退出登录",
    "account.password_changed": "修改密码",
    "account.token_issued": "签发 API 令牌",
    "account.created": "创建账号",
    "account.role_granted": "授予角色",
    "account.role_revoked": "撤销角色",
    "org.item_created": "新增组织信息",
    "org.item_updated": "修改组织信息",
    "member.created": "新增委员",
    "member.updated": "修改委员信息",
    "member.roster_imported": "导入委员名册",
    "member.roster_exported": "导出委员名册",
    "member.suspend": "暂停履职",
    "member.reinstate": "恢复履职",
    "member.leave": "离任",
}


def register_verbs(labels: dict[str, str]) -> None:
    VERB_LABELS.update(labels)


def verb_label(verb: str) -> str:
    return VERB_LABELS.get(verb, verb)
