from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "zhengxie.audit"
    label = "audit"
