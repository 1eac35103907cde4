from django.urls import path

from signals.slack import views

app_name = "slack"

urlpatterns = [
    path("commands/", views.slash_command, name="commands"),
    path("interactivity/", views.interactivity, name="interactivity"),
]
