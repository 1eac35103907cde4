"""The committee's board pages, included in the board's URLs (namespace `board`)."""

from django.urls import path

from scoring.committees import views

urlpatterns = [
    path("committees/", views.meetings, name="committees"),
    path("committees/<int:meeting_id>/", views.meeting, name="committee"),
    path("committees/<int:meeting_id>/start/", views.meeting_start, name="committee-start"),
    path(
        "committees/<int:meeting_id>/regenerate/",
        views.meeting_regenerate,
        name="committee-regenerate",
    ),
    path("committees/<int:meeting_id>/close/", views.meeting_close, name="committee-close"),
    path("committees/<int:meeting_id>/points/", views.point_add, name="committee-point-add"),
    path(
        "committees/<int:meeting_id>/points/<int:point_id>/",
        views.point_change,
        name="committee-point",
    ),
    path(
        "committees/<int:meeting_id>/decisions/",
        views.decision_record,
        name="committee-decision",
    ),
    path("committees/<int:meeting_id>/minutes/", views.meeting_minutes, name="committee-minutes"),
    path(
        "committees/<int:meeting_id>/minutes.pdf",
        views.meeting_minutes_pdf,
        name="committee-minutes-pdf",
    ),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/<int:decision_id>/status/", views.decision_status, name="decision-status"),
]
