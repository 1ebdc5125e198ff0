import datetime as dt

from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "zhengxie.scheduler"
    label = "scheduler"
    verbose_name = "定时任务"

    def ready(self) -> None:
        from zhengxie.scheduler.registry import register_periodic
        from zhengxie.scheduler.tasks import clear_expired_sessions, prune_task_results

        register_periodic(name="scheduler.clear_expired_sessions", every=dt.timedelta(hours=1),
                          task=clear_expired_sessions)
        # 03:00 local time: the quietest hour for a delete that may touch many rows.
        register_periodic(name="scheduler.prune_task_results", every=dt.timedelta(days=1),
                          offset=dt.timedelta(hours=3), task=prune_task_results)
