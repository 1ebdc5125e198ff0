from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhengxie.accounts"
    label = "accounts"
    verbose_name = "账号"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from zhengxie.accounts.middleware import mark_session_fresh

        user_logged_in.connect(mark_session_fresh, dispatch_uid="zhengxie.mark_session_fresh")
