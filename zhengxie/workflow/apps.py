from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "zhengxie.workflow"
    label = "workflow"
