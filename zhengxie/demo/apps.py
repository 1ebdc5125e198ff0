from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "zhengxie.demo"
    label = "demo"
