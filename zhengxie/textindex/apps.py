from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
        post_migrate.connect(_drop_orphan_tokens, sender=self)


def _drop_orphan_tokens(using: str = "default", **kwargs: Any) -> None:
    """Token rows whose document is gone (PostgreSQL): `flush`, which Django's transactional tests run
    after every test, empties the model tables but not the raw token table, then emits post_migrate."""
    from django.db import connections

    from zhengxie.textindex import backends

    backends.drop_orphans(connections[using])

