from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "zhengxie.members"
    label = "members"
    verbose_name = "委员"

    def ready(self) -> None:
        from zhengxie.members import providers, workflow  # noqa: F401  (registers the to-dos and the workflow)
