from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "zhengxie.attachments"
    label = "attachments"
    verbose_name = "附件"

    def ready(self) -> None:
        from zhengxie.audit.verbs import register_verbs

        register_verbs({"attachment.uploaded": "上传附件", "attachment.attached": "关联附件",
                        "attachment.copied": "附件随事项转来"})
