from django.urls import path

from scoring.board import views

app_name = "board"

urlpatterns = [
    path("", views.board, name="index"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("publish/", views.publish, name="publish"),
    path("launches/", views.launches, name="launches"),
    path("outcomes/", views.outcomes, name="outcomes"),
]
