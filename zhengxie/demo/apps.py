from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "zhengxie.demo"
    label = "demo"
    verbose_name = "演示数据"

    def ready(self) -> None:
        from zhengxie.audit.verbs import register_verbs

        register_verbs({"demo.seeded": "生成演示数据"})
