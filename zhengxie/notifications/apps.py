from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "zhengxie.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from zhengxie.notifications import providers  # noqa: F401  (registers the inbox to-do)
