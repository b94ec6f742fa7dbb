from django.urls import path

from . import security_views, views

app_name = "org"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password"),
    path("language/", views.set_language, name="set_language"),
    path("people/<int:pk>/", views.user_detail, name="user_detail"),
    # Sign-in security (SPEC §1.5)
    path("login/code/", security_views.signin_code, name="signin_code"),
    path("profile/security/", security_views.security_page, name="security"),
    path("profile/security/two-factor/off/", security_views.two_factor_disable, name="two_factor_disable"),
    path("profile/security/sessions/<int:pk>/end/", security_views.my_session_end, name="my_session_end"),
    path("security/login-log/", security_views.login_log, name="login_log"),
    path("security/online/", security_views.online_users, name="online_users"),
    path("security/online/<int:pk>/end/", security_views.session_end, name="session_end"),
    path("security/inactive/", security_views.inactive_users, name="inactive_users"),
    path(
        "org/users/<int:pk>/password-reset/", security_views.user_password_reset, name="user_password_reset"
    ),
]
