from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "zhengxie.proposals"
    label = "proposals"
    verbose_name = "提案"

    def ready(self) -> None:
        from zhengxie.proposals import permissions, verbs, workflow  # noqa: F401  (registers workflow, verbs)
        from zhengxie.proposals import staff_providers  # noqa: F401  (registers the office's to-dos)
        from zhengxie.proposals import providers  # noqa: F401  (registers the member's to-dos)
        from zhengxie.proposals import unit_providers  # noqa: F401  (the unit clerk's to-dos, reply files, verbs)
        from zhengxie.proposals.indexing import KIND, all_entries
        from zhengxie.proposals.models import Category
        from zhengxie.textindex.registry import Source, register_source

        from zhengxie.deadlines.registry import DeadlineKind, register_deadline_kind
        from zhengxie.proposals.effects import DEADLINE_KIND, reply_reminder_users

        permissions.install()
        # Extensions up to 6 months in all (domain.md §2); reminders 5 and 1 working days before, then weekly.
        register_deadline_kind(DeadlineKind(DEADLINE_KIND, "提案答复", recipients=reply_reminder_users,
                                            max_extension_days=183))
        register_source(Source(
            kind=KIND, label="提案", staff_perm=permissions.P_REVIEW, entries=all_entries,
            states=dict(workflow.STATES), categories=[c.label for c in Category],
        ))
