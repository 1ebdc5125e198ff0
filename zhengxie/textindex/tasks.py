from django_tasks import task

from zhengxie.textindex.services import index_refresh


@task()
def refresh_index() -> int:
    """Recount term frequencies and recompute salient terms, buckets and routing profiles."""
    return index_refresh()
