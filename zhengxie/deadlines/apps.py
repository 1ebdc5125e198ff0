import datetime as dt

from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "zhengxie.deadlines"
    label = "deadlines"
    verbose_name = "期限与工作日历"

    def ready(self) -> None:
        from zhengxie.audit.verbs import register_verbs
        from zhengxie.deadlines import providers  # noqa: F401  (registers the calendar to-do)
        from zhengxie.deadlines.tasks import send_deadline_reminders
        from zhengxie.scheduler.registry import register_periodic

        register_verbs({
            "deadline.opened": "设定期限",
            "deadline.extended": "期限延期",
            "deadline.met": "期限办结",
            "deadline.cancelled": "取消期限",
            "calendar.day_added": "新增节假日调整",
            "calendar.day_removed": "删除节假日调整",
        })
        # 08:00 Asia/Shanghai: reminders arrive as the office day starts.
        register_periodic(name="deadlines.reminders", every=dt.timedelta(days=1), offset=dt.timedelta(hours=8),
                          task=send_deadline_reminders)
