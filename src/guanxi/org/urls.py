from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password"),
    path("language/", views.set_language, name="set_language"),
    path("people/<int:pk>/", views.user_detail, name="user_detail"),
]
