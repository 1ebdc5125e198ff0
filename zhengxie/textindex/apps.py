from django.apps import AppConfig


class TextIndexConfig(AppConfig):
    name = "zhengxie.textindex"
    label = "textindex"
    verbose_name = "全文检索与相似分析"

    def ready(self) -> None:
        import datetime as dt

        from zhengxie.scheduler.registry import register_periodic
        from zhengxie.textindex.tasks import refresh_index

        # Nightly: recount term frequencies and re-sign documents with them (see services.index_refresh).
        register_periodic(
            name="textindex.refresh", every=dt.timedelta(days=1), offset=dt.timedelta(hours=3), task=refresh_index
        )
