from django.urls import path

from tremplin.accounts import proconnect, views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mot-de-passe/modifie/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("mot-de-passe/changer/", views.PasswordChangeView.as_view(), name="password_change"),
    path("double-authentification/", views.second_factor_verify, name="second_factor_verify"),
    path("double-authentification/activer/", views.second_factor_setup, name="second_factor_setup"),
    path("double-authentification/desactiver/", views.second_factor_disable, name="second_factor_disable"),
    path("proconnect/connexion/", proconnect.login_view, name="proconnect_login"),
    path("proconnect/retour/", proconnect.callback_view, name="proconnect_callback"),
    path("", views.account, name="account"),
    path("organisation/", views.switch_organisation, name="switch_organisation"),
]
