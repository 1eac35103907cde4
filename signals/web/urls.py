from django.urls import path

from signals.web import views

app_name = "evidence"

urlpatterns = [
    path("submit/", views.submit_report, name="submit"),
    path("submit/signal/", views.submit_signal, name="submit_signal"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("import/", views.import_file, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path(
        "import/template/<str:kind>.<str:file_format>",
        views.import_template,
        name="import_template",
    ),
]
