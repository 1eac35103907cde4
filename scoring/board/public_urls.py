"""Pages without a login: a roadmap share link, the changelog and its Atom feed."""

from django.urls import path

from scoring.board import loop_views
from scoring.changelog import ChangelogFeed

urlpatterns = [
    path("share/roadmap/<str:token>/", loop_views.roadmap_shared, name="roadmap-shared"),
    path("changelog/", loop_views.changelog, name="changelog"),
    path("changelog/feed/", ChangelogFeed(), name="changelog-feed"),
]
