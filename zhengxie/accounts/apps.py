from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhengxie.accounts"
    label = "accounts"
