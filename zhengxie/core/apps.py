from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhengxie.core"
    label = "core"
