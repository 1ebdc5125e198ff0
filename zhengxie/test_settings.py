"""Settings for the test suite: production settings (DEBUG off) with a throwaway key and plain-HTTP cookies."""

import os

os.environ.setdefault("ZHENGXIE_SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("ZHENGXIE_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("ZHENGXIE_SECURE_COOKIES", "0")
os.environ.setdefault("ZHENGXIE_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

from zhengxie.settings import *  # noqa: E402,F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    # Tests need no collected static files.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
