"""The one settings module. Everything that differs between machines comes from the
environment through the typed readers of ``config.env``; `.env.example` lists every variable.

Embedded default (no variables set): SQLite in the project folder, no broker, Celery tasks
run in-process right after the transaction that queued them commits.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import pycountry
from celery.schedules import crontab
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
_INSECURE_DEV_KEY = "django-insecure-dev-only-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY") or (_INSECURE_DEV_KEY if DEBUG else "")
# Commands that sign nothing (makemigrations, spectacular, celery) run without a key; the
# web entry point (config/wsgi.py) and `check --deploy` refuse to go on without one.
SECRET_KEY_CONFIGURED = bool(SECRET_KEY)
if not SECRET_KEY_CONFIGURED:
    SECRET_KEY = "unset-" + secrets.token_urlsafe(48)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "health_check",
    "rest_framework_api_key",
    "axes",
    "corsheaders",
    "config",
    "roadmap",
    "signals",
    "scoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Every /api/ answer in the one JSON error shape, Django's own pages included.
    "config.api.middleware.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The web side in the browser's language or the switcher's choice; /api/ stays English.
    "config.locale.WebLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.api.middleware.AddressThrottleMiddleware",
    "config.api.idempotency.IdempotencyMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    # Django's messages, for the web pages (not /api/).
    "config.api.middleware.WebMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Static files from the app server in production; runserver serves them in debug.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.web.context.web_nav",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    _db = dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
# A connection closed by the server (restart, pg_terminate_backend) is detected before use
# instead of failing the next request.
_db["CONN_HEALTH_CHECKS"] = True
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the in-process worker read while a request writes; the timeout turns a brief
    # lock into a wait instead of "database is locked".
    _db["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, Celery ----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
# No broker: tasks run in-process (eagerly) when the transaction that queued them commits.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360, minimum=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# A request must never hang on a broker that is down: publishing fails fast, the item stays
# dirty and the sweeper picks it up once the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 1.0, minimum=0.1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task unacknowledged this long is redelivered (a worker killed mid-task). Keep it
    # above the longest task run and countdown, or a running task is delivered twice.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900, minimum=1),
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    # Publishing retries a failed connection once, at once: kombu's default waits 2 s
    # before that retry (interval_start), which a request would spend on a broker that is
    # down.
    "max_retries": 1,
    "interval_start": 0,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "scoring-sweep-dirty": {
        "task": "scoring.item_scores_recompute_dirty",
        "schedule": timedelta(seconds=env_int("SCORING_SWEEP_SECONDS", 60, minimum=1)),
    },
    "scoring-recompute-all-daily": {
        "task": "scoring.item_scores_recompute_all",
        "schedule": crontab(hour=3, minute=17),
    },
    "campaigns-friction-proposals-daily": {
        # Proposals follow each snapshot write; this catches any write whose task was lost.
        "task": "signals.friction_proposals_refresh_all",
        "schedule": crontab(hour=4, minute=23),
    },
    # The radar (signals.radar): stale suggestions and duplicates caught up every minute (a
    # broker outage delays them, loses none); emerging topics recomputed every night.
    "radar-refresh-stale": {
        "task": "signals.radar_refresh",
        "schedule": timedelta(seconds=env_int("RADAR_SWEEP_SECONDS", 60, minimum=1)),
    },
    "radar-topics-refresh-daily": {
        "task": "signals.radar_topics_refresh",
        "schedule": crontab(hour=2, minute=47),
    },
    "webhook-deliveries-sweep": {
        "task": "config.webhook_deliveries_sweep",
        "schedule": timedelta(seconds=env_int("WEBHOOK_SWEEP_SECONDS", 30, minimum=1)),
    },
    "webhook-score-changes": {
        "task": "scoring.score_changes_emit",
        "schedule": timedelta(seconds=60),
    },
    "slack-weekly-digest": {
        "task": "scoring.slack_weekly_digest",
        "schedule": crontab(day_of_week="mon", hour=8, minute=5),
    },
    "idempotency-records-prune-hourly": {
        "task": "config.idempotency_records_prune",
        "schedule": crontab(minute=41),
    },
}
# Seconds a burst of writes is gathered before one recomputation runs.
SCORING_DEBOUNCE_SECONDS = env_float("SCORING_DEBOUNCE_SECONDS", 2.0, minimum=0)
# The radar: seconds a burst of evidence is gathered before one refresh; the emerging-topic
# windows (days) and test (significance level, fewest messages in a topic).
RADAR_DEBOUNCE_SECONDS = env_float("RADAR_DEBOUNCE_SECONDS", 5.0, minimum=0)
RADAR_RECENT_DAYS = env_int("RADAR_RECENT_DAYS", 30, minimum=1)
RADAR_BASELINE_DAYS = env_int("RADAR_BASELINE_DAYS", 150, minimum=1)
RADAR_TOPIC_ALPHA = env_float("RADAR_TOPIC_ALPHA", 0.01, minimum=1e-12)
RADAR_TOPIC_MIN_SIZE = env_int("RADAR_TOPIC_MIN_SIZE", 5, minimum=2)
# Link suggestions blend a bundled multilingual sentence model with the words
# (signals/radar/semantic.py); 0 keeps them lexical only.
RADAR_SEMANTIC = env_bool("RADAR_SEMANTIC", default=True)

# --- Campaigns: the economics the funnel dashboard assumes ---------------------------------
# Spend, LTV and ARPA are compared in this ISO 4217 currency (no exchange rates: groups
# spending in another currency show no LTV/CAC).
CAMPAIGN_CURRENCY = env_str("CAMPAIGN_CURRENCY", "EUR").strip().upper()
if pycountry.currencies.get(alpha_3=CAMPAIGN_CURRENCY) is None:
    raise ImproperlyConfigured(
        f"CAMPAIGN_CURRENCY must be an ISO 4217 code, got {CAMPAIGN_CURRENCY!r}"
    )


def _env_optional_float(name: str, *, minimum: float, maximum: float) -> float | None:
    """An optional number in [minimum, maximum]; None when unset."""
    if not env_str(name).strip():
        return None
    value = env_float(name, 0.0, minimum=minimum)
    if value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {value}")
    return value


# Used where no outcome gives a segment's LTV: LTV = ARPA × gross margin / monthly churn,
# and payback months = CAC / (ARPA × gross margin). Unset: "not enough data".
CAMPAIGN_ARPA = _env_optional_float("CAMPAIGN_ARPA", minimum=0, maximum=1e12)
CAMPAIGN_GROSS_MARGIN = _env_optional_float("CAMPAIGN_GROSS_MARGIN", minimum=0, maximum=1)
CAMPAIGN_MONTHLY_CHURN = _env_optional_float("CAMPAIGN_MONTHLY_CHURN", minimum=0, maximum=1)

if REDIS_URL:
    # A request touches the cache at most twice (throttle, debounce) and a healthy Redis
    # answers in a millisecond: short timeouts keep a hung Redis from holding requests.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Jira -------------------------------------------------------------------------------
# None set: Jira is off. The push needs the base URL, the account and the score field; the
# other fields are optional. `manage.py check` reports a half-done configuration.
JIRA_BASE_URL = env_str("JIRA_BASE_URL").rstrip("/")
JIRA_USER_EMAIL = env_str("JIRA_USER_EMAIL")
JIRA_API_TOKEN = env_str("JIRA_API_TOKEN")
# Number custom fields (customfield_NNNNN) that receive the score and, if set, its factors.
JIRA_SCORE_FIELD = env_str("JIRA_SCORE_FIELD")
JIRA_REACH_FIELD = env_str("JIRA_REACH_FIELD")
JIRA_IMPACT_FIELD = env_str("JIRA_IMPACT_FIELD")
JIRA_CONFIDENCE_FIELD = env_str("JIRA_CONFIDENCE_FIELD")
JIRA_EFFORT_FIELD = env_str("JIRA_EFFORT_FIELD")
# The board's rank field (10019 or customfield_10019); empty: Jira's default rank field.
JIRA_RANK_FIELD_ID = env_str("JIRA_RANK_FIELD_ID")
# The secret of the Jira webhook (`?secret=` or the HMAC of X-Hub-Signature); empty: the
# webhook refuses every delivery.
JIRA_WEBHOOK_SECRET = env_str("JIRA_WEBHOOK_SECRET")
# Deliveries dated further from now than this (payload `timestamp`) are refused (400) as
# possible replays. Jira retries a failed delivery with its original timestamp, up to
# about 30 minutes late; an hour leaves room for that and for clock skew.
JIRA_WEBHOOK_MAX_AGE_SECONDS = env_int("JIRA_WEBHOOK_MAX_AGE_SECONDS", 3600, minimum=60)
# "Done=shipped,In Progress=in_progress": Jira status name → item status. Parsed strictly
# by roadmap.jira when the app loads (settings know no app): a bad map stops the process.
JIRA_STATUS_MAP: str | dict[str, str] = env_str("JIRA_STATUS_MAP")
# Attempts per Jira request (429, 5xx, network errors are retried) and seconds per attempt.
JIRA_MAX_TRIES = env_int("JIRA_MAX_TRIES", 5, minimum=1)
JIRA_TIMEOUT_SECONDS = env_float("JIRA_TIMEOUT_SECONDS", 10.0, minimum=0.1)

# --- Outbound webhooks, Slack, MCP (config/webhooks, signals/slack, scoring/slack, ------
# scoring/mcp): each is off until configured; `manage.py check` reports half-done ones.
from config.integration_settings import *  # noqa: E402, F403

# --- Auth, i18n, static -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]

# --- Email (notifications of shipped items, for users who opted in) ---------------------
# The console backend by default (the embedded default prints emails); SMTP in production
# with EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST etc.
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "roadmap@localhost"

# --- The monthly committee (scoring.committees) -------------------------------------------
# A new friction report comes on the agenda when it affects at least this many people.
COMMITTEE_FRICTION_MIN_AFFECTED = env_int("COMMITTEE_FRICTION_MIN_AFFECTED", 1000, minimum=0)
# Launches due within this many days come on the agenda when their checklist has gaps.
COMMITTEE_LAUNCH_HORIZON_DAYS = env_int("COMMITTEE_LAUNCH_HORIZON_DAYS", 45, minimum=1)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------------
SECURE_TLS = env_bool("SECURE_TLS", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_TLS
CSRF_COOKIE_SECURE = SECURE_TLS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=SECURE_TLS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_TLS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS")
# Every HTML page outside /api/ (admin, board) gets this policy (config.security): scripts,
# styles and images from this origin only, no framing. /api/docs/ and /api/redoc/ keep
# their inline bootstrap and are left out.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# Cross-origin browser calls to the API: none unless origins are listed.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (
    *cors_default_headers,
    "idempotency-key",
    "if-match",
    "if-none-match",
    "x-api-key",
)
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "Idempotent-Replayed"]
# Admin logins: after AXES_FAILURE_LIMIT failures for one username from one address, that
# pair is refused (429) for AXES_COOLOFF_MINUTES, even with the right password.
AUTHENTICATION_BACKENDS = [
    "config.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The web side's one login page (config.web): product and marketing sign in there.
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "board:index"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# --- REST framework ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.ReadAnyRoleWriteProduct"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
    "DEFAULT_RENDERER_CLASSES": [
        "config.api.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.StrictJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["config.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env_str("API_THROTTLE_RATE", "1200/min"),
        # Per client address, for anonymous requests and failed credentials (401).
        "anonymous": env_str("API_ANON_THROTTLE_RATE", "120/min"),
    },
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Largest request body (bytes): a bulk of 1,000 records fits with room to spare.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("API_MAX_BODY_BYTES", 2_621_440, minimum=1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Roadmap prioritization API",
    "DESCRIPTION": "Roadmap items, market signals, friction reports, scores and rankings.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from our own static files: nothing is fetched from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.harmonize",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ItemStatusEnum": "roadmap.choices.ItemStatus",
        "ReportStatusEnum": "signals.choices.ReportStatus",
        # Friction reports, outcomes and launch plans (a list of them) share the channels.
        "ChannelEnum": "roadmap.choices.Channel",
        # The radar names evidence by kind: a market signal or a friction report.
        "EvidenceKindEnum": "signals.radar.models.DocKind",
        # Named as before the radar (clients generated from the schema use it).
        "KindEnum": "signals.choices.SignalKind",
        # A Jira run's status (push-to-jira, jira/runs) and its records' statuses.
        "RankingPushQueuedStatusEnum": "roadmap.jira.models.JiraSyncRun.Status",
        "JiraSyncRecordStatusEnum": "roadmap.jira.models.JiraSyncRecord.Status",
        # The factors of SCORING.md (a move's main driver, an estimate that changed) and
        # the team of an evidence submitter, in the causes of a move.
        "MainDriverEnum": "scoring.api.serializers.causes.FACTOR_CHOICES",
        "EvidenceTeamEnum": "scoring.api.serializers.causes.TEAM_CHOICES",
        # The committee (scoring.committees): meetings, agenda points, decisions.
        "MeetingStatusEnum": "scoring.committees.models.MeetingStatus",
        "AgendaKindEnum": "scoring.committees.models.AgendaKind",
        "DecisionKindEnum": "scoring.committees.models.DecisionKind",
        "DecisionStatusEnum": "scoring.committees.models.DecisionStatus",
        "DecisionTeamEnum": "scoring.committees.models.Team",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
}
