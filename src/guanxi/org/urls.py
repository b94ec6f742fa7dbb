from django.urls import path

from .views import account, roles, security, structure, users

app_name = "org"
urlpatterns = [
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", account.LogoutView.as_view(), name="logout"),
    path("profile/", account.profile, name="profile"),
    path("password/", account.password_change, name="password"),
    path("language/", account.set_language, name="set_language"),
    path("people/<int:pk>/", account.user_detail, name="user_detail"),
    path("people/pick/", account.people_pick, name="people_pick"),
    # Sign-in security (SPEC §1.5)
    path("login/code/", security.signin_code, name="signin_code"),
    path("profile/security/", security.security_page, name="security"),
    path("profile/security/two-factor/off/", security.two_factor_disable, name="two_factor_disable"),
    path("profile/security/sessions/<int:pk>/end/", security.my_session_end, name="my_session_end"),
    path("security/login-log/", security.login_log, name="login_log"),
    path("security/online/", security.online_users, name="online_users"),
    path("security/online/<int:pk>/end/", security.session_end, name="session_end"),
    path("security/inactive/", security.inactive_users, name="inactive_users"),
    # Administration of the organisation
    path("org/users/", users.user_list, name="users"),
    path("org/users/new/", users.user_create, name="user_create"),
    path("org/users/<int:pk>/", users.user_detail, name="user_admin"),
    path("org/users/<int:pk>/edit/", users.user_edit, name="user_edit"),
    path("org/users/<int:pk>/freeze/", users.user_freeze, name="user_freeze"),
    path("org/users/<int:pk>/leave/", users.user_leave, name="user_leave"),
    path("org/users/<int:pk>/password-reset/", security.user_password_reset, name="user_password_reset"),
    path("org/departments/", structure.department_list, name="departments"),
    path("org/departments/new/", structure.department_create, name="department_create"),
    path("org/departments/<int:pk>/", structure.department_edit, name="department_edit"),
    path("org/departments/<int:pk>/move/", structure.department_move, name="department_move"),
    path("org/departments/<int:pk>/delete/", structure.department_delete, name="department_delete"),
    path("org/teams/", structure.team_list, name="teams"),
    path("org/teams/new/", structure.team_form, name="team_create"),
    path("org/teams/<int:pk>/", structure.team_form, name="team_edit"),
    path("org/teams/<int:pk>/delete/", structure.team_delete, name="team_delete"),
    path("org/units/", structure.unit_list, name="units"),
    path("org/units/new/", structure.unit_form, name="unit_create"),
    path("org/units/<int:pk>/", structure.unit_form, name="unit_edit"),
    path("org/roles/", roles.role_list, name="roles"),
    path("org/roles/new/", roles.role_form, name="role_create"),
    path("org/roles/<int:pk>/", roles.role_form, name="role_edit"),
    path("org/roles/<int:pk>/delete/", roles.role_delete, name="role_delete"),
]
