from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "tremplin.referrals"
