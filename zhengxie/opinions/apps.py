from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "zhengxie.opinions"
    label = "opinions"
    verbose_name = "社情民意"

    def ready(self) -> None:
        from importlib import import_module

        from zhengxie.opinions import permissions, workflow  # registers the workflows

        import_module("zhengxie.opinions.verbs")  # registers the audit verbs' labels
        import_module("zhengxie.opinions.providers")  # registers the editors' and signers' to-dos
        from zhengxie.opinions.indexing import KIND, all_entries
        from zhengxie.opinions.models import SourceKind
        from zhengxie.textindex.registry import Source, register_source

        permissions.install()
        from zhengxie.attachments.selectors import register_owner
        from zhengxie.opinions.selectors import opinion_get

        # Whoever may open an item may read its files.
        register_owner("opinions.opinion", lambda access, object_id: object_id.isdigit()
                       and opinion_get(access, int(object_id)) is not None)
        register_source(Source(
            kind=KIND, label="社情民意", staff_perm=permissions.O_EDIT, entries=all_entries,
            states=dict(workflow.STATES), categories=[k.label for k in SourceKind],
        ))
