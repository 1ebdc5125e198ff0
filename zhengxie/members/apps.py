from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "zhengxie.members"
    label = "members"
