"""The radar's web actions (see signals.radar.views), included under /radar/."""

from django.urls import re_path

from signals.radar import views

app_name = "radar"

urlpatterns = [
    re_path(
        r"^suggestions/(?P<pk>[0-9]+)/(?P<decision>accept|reject)/$",
        views.suggestion_decide,
        name="suggestion-decide",
    ),
    re_path(
        r"^duplicates/(?P<pk>[0-9]+)/(?P<decision>confirm|reject)/$",
        views.duplicate_decide,
        name="duplicate-decide",
    ),
    re_path(
        r"^topics/(?P<pk>[0-9]+)/(?P<decision>dismiss|create-item)/$",
        views.topic_decide,
        name="topic-decide",
    ),
]
