from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "zhengxie.scheduler"
    label = "scheduler"
