from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from health_check.views import HealthCheckView

from config.web.views import home

api_v1 = [
    path("", include("roadmap.api.urls")),
    path("", include("signals.api.urls")),
    path("", include("scoring.api.urls")),
    path("", include("config.webhooks.urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("", include("config.web.urls")),
    # Django's set_language view: the switcher posts here (a form, no script).
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("board/", include("scoring.board.urls")),
    path("", include("scoring.board.public_urls")),
    path("radar/", include("signals.radar.urls")),
    # "My evidence" reads scores (scoring); submitting and importing are signals' pages.
    path("evidence/mine/", include("scoring.my_evidence.urls")),
    path("evidence/", include("signals.web.urls")),
    path("api/v1/", include(api_v1)),
    path("integrations/slack/", include("signals.slack.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path(
        "health/",
        HealthCheckView.as_view(
            checks=["health_check.checks.Database", "health_check.checks.Cache"]
        ),
        name="health",
    ),
]

handler400 = "config.api.errors.handler400"
handler404 = "config.api.errors.handler404"
handler500 = "config.api.errors.handler500"
