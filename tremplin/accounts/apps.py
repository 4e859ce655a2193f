from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tremplin.accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from tremplin.accounts.login_hooks import session_start

        user_logged_in.connect(session_start, dispatch_uid="tremplin_session_start")
