from django.urls import path

from scoring.board import views

app_name = "board"

urlpatterns = [
    path("", views.board, name="index"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("publish/", views.publish, name="publish"),
    path("launches/", views.launches, name="launches"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("export.csv", views.live_export, name="live-export"),
    path("rankings/<int:number>/", views.ranking_diff, name="ranking"),
    path("rankings/<int:number>/export.csv", views.ranking_export, name="ranking-export"),
]
