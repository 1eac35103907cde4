"""Nobody let in: production settings pass Django's deploy checks, API keys are stored
hashed and never logged, admin logins are throttled, CORS is closed unless configured,
HTML pages carry the security headers, and every API write names its author in the
admin history.

Object-level permissions (marketing changes only its own evidence, integration never
writes) are proven endpoint by endpoint in tests/config/test_permission_matrix.py.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from config.models import ApiKey
from roadmap.models import RoadmapItem
from signals.models import FrictionReport, MarketSignal
from tests.support.factories import RoadmapItemFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CSP = settings.CONTENT_SECURITY_POLICY
OBSERVED = (timezone.now() - timedelta(days=2)).replace(microsecond=0).isoformat()


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production process: no debug, TLS, a real secret."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "SECURE_", "CORS_"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="roadmap.example.com",
        SECURE_TLS="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Production settings ----------------------------------------------------------------


def test_deploy_checks_pass_at_warning_level_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="roadmap.example.com")
plain = client.get("/api/v1/items/")
secure = client.get("/api/v1/items/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "secure": [secure.status_code, dict(secure.headers)],
}))
"""


def test_production_settings_redirect_to_https_and_send_hsts_on_secure_requests():
    result = run_python(PROBE, production_env())
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["plain"] == [301, "https://roadmap.example.com/api/v1/items/"]
    status, headers = answers["secure"]
    assert status == 401  # the redirect leads to the API, which asks for a key
    assert headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert headers["X-Content-Type-Options"] == "nosniff"


@override_settings(SECURE_HSTS_SECONDS=3600, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_is_sent_on_secure_requests_only(client):
    assert client.get("/admin/login/", secure=True)["Strict-Transport-Security"] == (
        "max-age=3600; includeSubDomains"
    )
    assert "Strict-Transport-Security" not in client.get("/admin/login/")


# --- API keys -----------------------------------------------------------------------------


@pytest.fixture
def every_log_record(caplog):
    """Every logger at DEBUG, SQL with its parameters included, all captured."""
    touched: list[tuple[logging.Logger, int, bool]] = []
    for name in ["", *logging.root.manager.loggerDict]:
        logger = logging.getLogger(name)
        touched.append((logger, logger.level, logger.propagate))
        logger.setLevel(logging.DEBUG)
        if not logger.propagate and caplog.handler not in logger.handlers:
            logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    debug_cursor = connection.force_debug_cursor
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = debug_cursor
    for logger, level, _ in touched:
        logger.setLevel(level)
        if caplog.handler in logger.handlers and logger is not logging.root:
            logger.removeHandler(caplog.handler)


def _logged_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return caplog.text + "\n".join(parts)


def _stored_text() -> str:
    """Every row of every table, as text."""
    rows = []
    for model in apps.get_models():
        rows.extend(repr(row) for row in model._base_manager.values_list())
    return "\n".join(rows)


def test_api_keys_are_stored_hashed_and_never_written_to_logs(
    every_log_record, marketing_user, product_user
):
    _, key = ApiKey.objects.create_key(user=marketing_user, name="campaign tool")
    _, expired = ApiKey.objects.create_key(
        user=marketing_user, name="old", expiry_date=timezone.now() - timedelta(days=1)
    )
    prefix, _, secret = key.partition(".")
    item = RoadmapItemFactory()
    report = {
        "campaign": "Trial push",
        "channel": "email",
        "funnel_stage": "activation",
        "affected_people": 300,
        "severity": 2.0,
        "observed_at": OBSERVED,
        "links": [{"item": item.pk}],
    }

    good = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert good.get("/api/v1/items/").status_code == 200
    created = good.post(
        "/api/v1/friction-reports/", report, format="json", HTTP_IDEMPOTENCY_KEY="once"
    )
    assert created.status_code == 201
    assert APIClient(HTTP_X_API_KEY=key).get("/api/v1/rankings/live/").status_code == 200
    refused = [
        APIClient(HTTP_AUTHORIZATION=f"Api-Key {prefix}.{secret[::-1]}").get("/api/v1/items/"),
        APIClient(HTTP_AUTHORIZATION=f"Api-Key {expired}").get("/api/v1/items/"),
        APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}x").post(
            "/api/v1/friction-reports/", report, format="json"
        ),
        APIClient(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/items/"),
    ]
    assert [response.status_code for response in refused] == [401, 401, 401, 401]
    for response in refused:
        assert key not in response.content.decode()

    logged = _logged_text(every_log_record)
    assert "SELECT" in logged, "SQL was not captured: the check would prove nothing"
    assert "Unauthorized: /api/v1/items/" in logged
    for secret_text in (key, secret, expired, expired.partition(".")[2]):
        assert secret_text not in logged

    stored = ApiKey.objects.get(prefix=prefix)
    assert stored.hashed_key
    assert secret not in stored.hashed_key
    assert stored.is_valid(key)
    everything = _stored_text()
    assert prefix in everything  # the scan does see the key rows
    assert key not in everything
    assert secret not in everything


# --- Admin login throttling -----------------------------------------------------------------


def _login(client: Any, password: str, address: str = "203.0.113.7", username: str = "pm"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_five_failed_admin_logins_lock_out_that_user_from_that_address(client, product_user):
    assert settings.AXES_FAILURE_LIMIT == 5
    answers = [_login(client, "guess").status_code for _ in range(5)]
    # The form again with an error four times; the fifth failure locks the pair out.
    assert answers == [200, 200, 200, 200, 429]
    assert "_auth_user_id" not in client.session

    locked = _login(client, "correct-horse-battery")

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="pm").failures_since_start >= 5
    # The lockout is for this username from this address: the user, elsewhere, gets in.
    elsewhere = _login(client, "correct-horse-battery", address="198.51.100.20")
    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(product_user.pk)


def test_a_locked_out_login_works_again_after_the_cool_off(client, product_user):
    for _ in range(5):
        _login(client, "guess")
    assert _login(client, "correct-horse-battery").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    assert _login(client, "correct-horse-battery").status_code == 302
    assert client.session["_auth_user_id"] == str(product_user.pk)


def test_authenticating_from_code_without_a_request_still_works(product_user):
    from django.contrib.auth import authenticate

    assert authenticate(username="pm", password="correct-horse-battery") == product_user
    assert authenticate(username="pm", password="wrong") is None


# --- CORS ---------------------------------------------------------------------------------


def test_cross_origin_api_calls_get_no_cors_headers_by_default(product_user):
    assert settings.CORS_ALLOWED_ORIGINS == []
    _, key = ApiKey.objects.create_key(user=product_user, name="t")
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")

    response = client.get("/api/v1/items/", HTTP_ORIGIN="https://evil.example")
    preflight = client.options(
        "/api/v1/items/",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
    )

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Methods" not in preflight


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
def test_configured_origins_may_call_the_api_from_a_browser(product_user):
    _, key = ApiKey.objects.create_key(user=product_user, name="t")
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")

    allowed = client.get("/api/v1/items/", HTTP_ORIGIN="https://app.example.com")
    other = client.get("/api/v1/items/", HTTP_ORIGIN="https://evil.example")
    preflight = client.options(
        "/api/v1/items/1/",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, if-match, content-type",
    )
    admin = APIClient().get("/admin/login/", HTTP_ORIGIN="https://app.example.com")

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "ETag" in allowed["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in other
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "if-match" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in admin  # CORS is for the API only


# --- Security headers and the Content-Security-Policy --------------------------------------


def test_html_and_api_answers_carry_nosniff_and_refuse_framing(client, product_user):
    _, key = ApiKey.objects.create_key(user=product_user, name="t")
    for response in (
        client.get("/admin/login/"),
        APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}").get("/api/v1/items/"),
    ):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"


def test_html_pages_get_the_content_security_policy_and_json_does_not(client, product_user):
    _, key = ApiKey.objects.create_key(user=product_user, name="t")
    assert client.get("/admin/login/")["Content-Security-Policy"] == CSP
    assert "frame-ancestors 'none'" in CSP
    assert "'unsafe-inline'" not in CSP
    api = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}").get("/api/v1/items/")
    assert "Content-Security-Policy" not in api
    # Swagger UI bootstraps with an inline script: the API's HTML is left out on purpose.
    assert "Content-Security-Policy" not in client.get("/api/docs/")


def test_the_board_pages_get_the_content_security_policy(client, product_user):
    try:
        url = reverse("board:index")
    except NoReverseMatch:
        pytest.skip("no board in this tree")
    client.force_login(product_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CSP


class _InlineCode(HTMLParser):
    """What a `script-src 'self'; style-src 'self'` policy would block in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=...> event handler")
            if name == "style" and value:
                self.blocked.append(f"<{tag} style={value!r}>")
            if name in {"href", "src", "action"} and (value or "").startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}=javascript:...>")
        if tag == "style":
            self.blocked.append("<style> element")
        executable = values.get("type") in (None, "", "text/javascript", "module")
        self._in_script = tag == "script" and "src" not in values and executable

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.blocked.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


# Inline code the policy blocks on purpose, because losing it changes nothing that matters:
# django-simple-history's history list styles its paginator inline (the paginator keeps a
# top border).
COSMETIC_INLINE = {"<p style='border-top: 0'>"}


def _admin_urls() -> list[str]:
    """The admin's index, and for every registered model its list, add form and, if a
    row exists, change form and history page."""
    from django.contrib import admin

    urls = ["/admin/", "/admin/password_change/"]
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{name}_changelist"))
        with contextlib.suppress(NoReverseMatch):
            urls.append(reverse(f"{name}_add"))
        first = model._base_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{name}_change", args=[first.pk]))
            urls.append(reverse(f"{name}_history", args=[first.pk]))
    return urls


def test_the_admin_pages_run_under_the_policy_with_no_inline_script_or_style(client, product_user):
    """Django 5.2's admin loads every script and style from static files; so do ours
    (the score explanation page, the history pages). Nothing inline means the strict
    policy costs the admin nothing."""
    item = RoadmapItemFactory()
    from scoring.services import item_scores_recompute_all
    from tests.support.factories import FrictionReportFactory, MarketSignalFactory

    MarketSignalFactory()
    FrictionReportFactory()
    item_scores_recompute_all()
    RoadmapItem.objects.filter(pk=item.pk).update(title="History")
    client.force_login(product_user)
    pages = 0
    problems: dict[str, list[str]] = {}
    for url in _admin_urls():
        response = client.get(url)
        if response.status_code in (302, 403):
            continue  # e.g. an add form the admin refuses: nothing rendered
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == CSP, url
        parser = _InlineCode()
        parser.feed(response.content.decode())
        blocked = [b for b in parser.blocked if b not in COSMETIC_INLINE]
        if blocked:
            problems[url] = blocked
        pages += 1
    assert pages >= 20
    assert problems == {}


# --- Who changed what: the admin history names the API key's owner -------------------------


def _history_page(client: Any, obj: Any) -> str:
    name = f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history"
    response = client.get(reverse(name, args=[obj.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _changed_by(page: str) -> list[str]:
    """The "Changed by" column of an admin history table, latest first."""
    table = re.search(r'<table id="change-history".*?</table>', page, flags=re.S)
    assert table is not None
    headers = re.findall(r"<th[^>]*>(.*?)</th>", table.group(0), flags=re.S)
    column = [h.strip() for h in headers].index("Changed by")
    body = table.group(0).split("<tbody>", 1)[1]
    users = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        users.append(re.sub(r"<[^>]+>", "", cells[column]).strip())
    return users


def test_an_item_edited_through_the_api_shows_the_key_owner_in_its_admin_history(client):
    admin_user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    pm = UserFactory(username="pm-bot", role="product")
    _, key = ApiKey.objects.create_key(user=pm, name="roadmap script")
    api = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
    created = api.post("/api/v1/items/", {"title": "SSO for small teams"}, format="json")
    assert created.status_code == 201
    item = RoadmapItem.objects.get(pk=created.json()["id"])
    edited = api.patch(
        f"/api/v1/items/{item.pk}/", {"effort": 3.0}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert edited.status_code == 200
    archived = api.post(f"/api/v1/items/{item.pk}/archive/")
    assert archived.status_code == 200

    assert [h.history_user for h in item.history.all()] == [pm, pm, pm]
    client.force_login(admin_user)
    page = _history_page(client, item)
    assert _changed_by(page) == ["pm-bot", "pm-bot", "pm-bot"]


def test_evidence_written_through_the_api_shows_each_author_in_its_admin_history(
    client, product_user, marketing_user
):
    item = RoadmapItemFactory()
    _, marketing_key = ApiKey.objects.create_key(user=marketing_user, name="m")
    _, product_key = ApiKey.objects.create_key(user=product_user, name="p")
    marketing = APIClient(HTTP_AUTHORIZATION=f"Api-Key {marketing_key}")
    product = APIClient(HTTP_AUTHORIZATION=f"Api-Key {product_key}")
    signal = marketing.post(
        "/api/v1/signals/",
        {
            "kind": "customer_request",
            "title": "Needs SSO",
            "source": "crm",
            "external_id": "s-1",
            "observed_at": OBSERVED,
            "links": [{"item": item.pk}],
        },
        format="json",
    )
    report = marketing.post(
        "/api/v1/friction-reports/",
        {
            "campaign": "Trial push",
            "channel": "email",
            "funnel_stage": "activation",
            "affected_people": 300,
            "severity": 2.0,
            "observed_at": OBSERVED,
        },
        format="json",
    )
    assert (signal.status_code, report.status_code) == (201, 201)
    signal_id, report_id = signal.json()["id"], report.json()["id"]
    assert (
        product.patch(f"/api/v1/signals/{signal_id}/", {"title": "Needs SAML SSO"}, format="json")
    ).status_code == 200
    assert (
        product.post(
            f"/api/v1/friction-reports/{report_id}/links/", {"item": item.pk}, format="json"
        )
    ).status_code == 201
    assert (
        marketing.patch(
            f"/api/v1/friction-reports/{report_id}/", {"affected_people": 400}, format="json"
        )
    ).status_code == 200

    client.force_login(product_user)
    signal_obj = MarketSignal.objects.get(pk=signal_id)
    report_obj = FrictionReport.objects.get(pk=report_id)
    assert _changed_by(_history_page(client, signal_obj)) == ["pm", "marketer"]
    assert _changed_by(_history_page(client, report_obj)) == ["marketer", "marketer"]
    assert report_obj.links.get().history.latest().history_user == product_user
