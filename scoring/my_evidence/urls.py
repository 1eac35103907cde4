from django.urls import path

from scoring.my_evidence import views

app_name = "my_evidence"

urlpatterns = [
    path("", views.index, name="index"),
]
