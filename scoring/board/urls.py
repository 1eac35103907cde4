from django.urls import path

from scoring.board import loop_views, views
from scoring.committees.urls import urlpatterns as committee_urls

app_name = "board"

urlpatterns = [
    path("", views.board, name="index"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("publish/", views.publish, name="publish"),
    path("launches/", views.launches, name="launches"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("roadmap/", loop_views.roadmap, name="roadmap"),
    path("notifications/", loop_views.notifications, name="notifications"),
    path("notifications/read/", loop_views.notifications_read, name="notifications-read"),
    path(
        "notifications/preferences/",
        loop_views.notifications_preferences,
        name="notifications-preferences",
    ),
    path("export.csv", views.live_export, name="live-export"),
    path("rankings/<int:number>/", views.ranking_diff, name="ranking"),
    path("rankings/<int:number>/export.csv", views.ranking_export, name="ranking-export"),
    *committee_urls,
]
