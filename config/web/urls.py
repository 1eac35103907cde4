from django.urls import path

from config.web import views

app_name = "web"

urlpatterns = [
    path("login/", views.WebLoginView.as_view(), name="login"),
    path("logout/", views.WebLogoutView.as_view(), name="logout"),
]
