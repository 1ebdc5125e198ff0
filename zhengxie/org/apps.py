from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "zhengxie.org"
    label = "org"
