from django.urls import path

from signals.web import views
from signals.web.campaigns import proposal_views
from signals.web.campaigns import views as campaign_views
from signals.web.imports import views as import_views

app_name = "evidence"

urlpatterns = [
    path("submit/", views.submit_report, name="submit"),
    path("submit/signal/", views.submit_signal, name="submit_signal"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("import/", import_views.import_file, name="import"),
    path("import/confirm/", import_views.import_confirm, name="import_confirm"),
    path(
        "import/template/<str:kind>.<str:file_format>",
        import_views.import_template,
        name="import_template",
    ),
    path("campaigns/", campaign_views.campaign_list, name="campaigns"),
    path("campaigns/new/", campaign_views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", campaign_views.campaign_edit, name="campaign"),
    path("campaigns/<int:pk>/funnel/new/", campaign_views.snapshot_new, name="snapshot_new"),
    path("campaigns/funnel/<int:pk>/", campaign_views.snapshot_edit, name="snapshot"),
    path("campaigns/proposals/", proposal_views.proposal_list, name="proposals"),
    path("campaigns/proposals/<int:pk>/", proposal_views.proposal_detail, name="proposal"),
    path(
        "campaigns/proposals/<int:pk>/dismiss/",
        proposal_views.proposal_dismiss,
        name="proposal_dismiss",
    ),
]
