"""Settings, read from the environment.

With nothing set, the site runs for a first look: SQLite in the project folder, no broker
(Celery tasks run in process), mail printed to the console, DEBUG on. Production sets
DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY, DEBUG=0, ALLOWED_HOSTS and the EMAIL_* values;
with those set, ``manage.py check --deploy`` is clean.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    """A string from the environment; without a default the variable is required."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Set the {name} environment variable.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# The development key only exists so a first run works; production must set its own.
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-do-not-use-in-production")
else:
    SECRET_KEY = env_str("SECRET_KEY")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "django_htmx",
    # django-csp: its system checks catch settings left in the pre-4.0 format.
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "assistance",
    "members",
    "meetings",
    "verification",
    "intake",
    "ledger",
    "monitoring",
    "dashboards",
    "api",
    "ninja",
    "performance",
    "reporting",
    "django_prometheus",
    "django_guid",
    # The project shell: knows every app, and no app imports it.
    "office",
]

MIDDLEWARE = [
    # Requests and latencies for /metrics (office/metrics.py): first and last.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request's correlation id, in every log line and every task it sends (LOGGING).
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files keep their long cache lifetime; every response Django
    # produces gets the policy headers and no-store (assistance/headers.py says why).
    "csp.middleware.CSPMiddleware",
    "assistance.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified when this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # Every page needs a signed-in user unless its view says otherwise (the sign-in page).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits, the second factor and an expired password, for
    # every page (after the messages, so the reason reaches the sign-in page).
    "assistance.signin.middleware.SignInGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "office.urls"
WSGI_APPLICATION = "office.wsgi.application"
ASGI_APPLICATION = "office.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "office.navigation.navigation",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL names a server (PostgreSQL in production/CI).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction pooling mode (DATABASE_POOL_MODE=transaction) a
# connection's server changes from one transaction to the next: no server-side cursors
# (Django's .iterator() would lose its cursor), and the code keeps no session state.
DATABASE_POOL_MODE = env_str("DATABASE_POOL_MODE", "session")
if DATABASE_POOL_MODE not in ("session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOL_MODE must be session or transaction.")
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOL_MODE == "transaction"
# A streaming replica for what may read slightly behind the primary: dashboards, reports'
# tables and exports (assistance/replica.py says which and why). Without it, everything
# reads the primary.
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    ) | {"TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["assistance.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds small things shared by the web processes and the workers (the task
# failures the metrics count, the health check's mark). Redis when CACHE_URL names one
# (production, CI); otherwise each process's own memory, enough for the first run's
# single process with tasks run in it.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
    # Its own prefix lets a second set of processes share the Redis database without
    # sharing keys (the API benchmark's server, whose keys are removed after it).
    | {"KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "assistance"), "TIMEOUT": 3600}
}

AUTHENTICATION_BACKENDS = [
    # First: refuses any attempt while the account or the address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Passwords (等保 level 3): 12 characters or more from three of the four classes, not like
# the user's name, not a common or all-digit one, changed every PASSWORD_MAX_AGE_DAYS.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "assistance.signin.passwords.CharacterClassesValidator"},
    # Validates nothing: records when each password was set, for the maximum age.
    {"NAME": "assistance.signin.passwords.PasswordAgeValidator"},
]
# Days after which a user is sent to change their password at sign-in (0: never).
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sessions end after this many minutes without a request, and this many hours after
# sign-in whatever the activity; the sign-in page then says which one happened.
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures an account is locked,
# and so is an address, whichever comes first, for AXES_COOLOFF_MINUTES; a security
# administrator can unlock sooner (accounts/locked/).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "assistance.signin.views.lockout_response"
# How many reverse proxies of our own stand before the application: the login log and the
# lockout then take the client's address from X-Forwarded-For as the outermost of them
# saw it. 0 (the default) trusts no header and uses REMOTE_ADDR. One setting for both, so
# the address that is locked out is the address that is logged.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
# Second factor (django-otp, TOTP with recovery codes): these roles cannot work without
# it; anyone else may enrol from their account page.
OTP_REQUIRED_ROLES = env_list(
    "OTP_REQUIRED_ROLES",
    ["administrator", "security_administrator", "office_director", "office_clerk"],
)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Basic Living Security Office")
OTP_RECOVERY_CODES = 10
# Guardian: no anonymous-user row; outsiders get 404 from our own gateways instead.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Simplified Chinese by default, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Scans of authorisations: PDF, JPEG or PNG, at most this many bytes.
AUTHORIZATION_SCAN_MAX_BYTES = env_int("AUTHORIZATION_SCAN_MAX_BYTES", 5 * 1024 * 1024)
# The longest an authorisation (授权书) may be valid from its signing, in years. Neither
# 民发〔2021〕57号 nor the seed notices fix a term; 5 years covers an application and its
# yearly re-checks, while a longer date is almost always a typing mistake. A district whose
# rules set another term sets this.
AUTHORIZATION_MAX_VALID_YEARS = env_int("AUTHORIZATION_MAX_VALID_YEARS", 5)
MEETING_ATTACHMENT_MAX_BYTES = env_int("MEETING_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# Files handed in with an application (intake): PDF, Word, Excel, JPEG or PNG.
INTAKE_ATTACHMENT_MAX_BYTES = env_int("INTAKE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# A unit's report uploaded as XLSX (the template: one row per figure).
REPORTING_UPLOAD_MAX_BYTES = env_int("REPORTING_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)
# Liaisons whose report is not yet submitted are reminded this many working days before
# the round's deadline (and once more when it has passed).
REPORTING_REMIND_WORKING_DAYS = env_int("REPORTING_REMIND_WORKING_DAYS", 2)
# Registry snapshots departments upload (CSV or XLSX).
SNAPSHOT_MAX_BYTES = env_int("SNAPSHOT_MAX_BYTES", 50 * 1024 * 1024)
SNAPSHOT_MAX_ROWS = env_int("SNAPSHOT_MAX_ROWS", 500_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640
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

# Mail: an SMTP server when EMAIL_HOST is set, otherwise printed to the console.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "assistance-office@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. With no broker configured, tasks run in process so a first run needs no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# A task is acknowledged only after it ran, and a worker that dies mid-task gives it back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks with no queue of their own. A benchmark gives its workers a throwaway one, so that
# what they send (e.g. a batch's changes) never reaches a production worker.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_DEFAULT_QUEUE", "default")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up after a few seconds when the broker is down (the resend sweep
# catches up), instead of holding the clerk's request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5}
# With Redis, a message a killed worker had taken comes back after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600)}
# RabbitMQ, past one machine (assistance/broker.py): every queue a quorum queue (replicated,
# safe when a node or a worker dies abruptly) with a delivery limit and a dead-letter queue;
# the broker confirms each message it takes before the sender goes on.
BROKER_DELIVERY_LIMIT = env_int("BROKER_DELIVERY_LIMIT", 5)
if CELERY_BROKER_URL.split("://", 1)[0] in ("amqp", "pyamqp", "amqps"):
    CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum"
    CELERY_TASK_CREATE_MISSING_QUEUE_TYPE = "quorum"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
CELERY_TIMEZONE = TIME_ZONE
# A worker keeps its database connection from task to task (opening one costs several
# milliseconds, as much as a whole check): Celery's Django fix-up would close it around
# every task; assistance/taskrun.py closes it only when broken or older than
# DATABASE_CONN_MAX_AGE, as Django does between requests.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# A check still queued this long after its request was filed is sent again (its message
# was lost: broker down at submit, or a worker killed before acknowledging).
VERIFICATION_RESEND_AFTER_MINUTES = env_int("VERIFICATION_RESEND_AFTER_MINUTES", 5)
# A batch's task (its preparation, or a department's share) that shows no progress for
# this long (a beat after every chunk, which takes a few seconds) is taken as stalled (a
# worker killed mid-batch, a message lost) and sent again; the sweep that looks for them
# runs three times as often, so a stalled batch carries on within about a minute.
VERIFICATION_BATCH_STALL_SECONDS = env_int("VERIFICATION_BATCH_STALL_SECONDS", 45)
# Batch re-verification works through households and checks this many at a time.
VERIFICATION_BATCH_CHUNK = env_int("VERIFICATION_BATCH_CHUNK", 2000)
# …and this many chunks at once on PostgreSQL (one database connection each).
VERIFICATION_BATCH_THREADS = env_int("VERIFICATION_BATCH_THREADS", 2)
# Attending units consent to (or comment on) circulated minutes within this many working days.
MINUTES_CONSENT_WORKING_DAYS = env_int("MINUTES_CONSENT_WORKING_DAYS", 3)
# Work recorded in the outbox (assistance.outbox) and still unsent this long after its
# transaction committed is sent again (the broker was down at commit).
OUTBOX_RESEND_AFTER_MINUTES = env_int("OUTBOX_RESEND_AFTER_MINUTES", 5)
CELERY_BEAT_SCHEDULE = {
    "assistance-outbox-resend": {
        "task": "assistance.tasks.outbox_resend_task",
        "schedule": 60 * OUTBOX_RESEND_AFTER_MINUTES,
    },
    "meetings-overdue-decisions": {
        "task": "meetings.tasks.decisions_remind_overdue_task",
        "schedule": env_int("OVERDUE_SWEEP_SECONDS", 3600),
    },
    "verification-resend-undelivered": {
        "task": "verification.tasks.checks_resend_undelivered_task",
        "schedule": 60 * VERIFICATION_RESEND_AFTER_MINUTES,
    },
    "verification-batch-stalls": {
        "task": "verification.tasks.batch_resend_stalled_task",
        "schedule": max(5, VERIFICATION_BATCH_STALL_SECONDS // 3),
    },
    # Marks overdue checks and reminds liaisons (at most once a day per check).
    "verification-overdue": {
        "task": "verification.tasks.checks_mark_overdue_task",
        "schedule": env_int("OVERDUE_SWEEP_SECONDS", 3600),
    },
    # Flags overdue referrals, reminds their units once and tells the office directors.
    # The weekly summaries behind the verification dashboard.
    "dashboards-summaries": {
        "task": "dashboards.tasks.summaries_refresh_task",
        "schedule": env_int("DASHBOARD_REFRESH_SECONDS", 600),
    },
    # The units' scores of the current quarter, recomputed nightly.
    "performance-scores": {
        "task": "performance.tasks.scores_current_quarter_task",
        "schedule": env_int("SCORES_REFRESH_SECONDS", 24 * 3600),
    },
    "api-event-deliveries": {
        "task": "api.tasks.event_deliveries_resend_task",
        "schedule": 60 * env_int("API_EVENT_RESEND_AFTER_MINUTES", 5),
    },
    "intake-overdue": {
        "task": "intake.tasks.referrals_mark_overdue_task",
        "schedule": env_int("OVERDUE_SWEEP_SECONDS", 3600),
    },
    # Evaluates the warning rules and the hardship scores (also after each registry
    # extract imported and each batch completed, and when the office asks).
    "monitoring-evaluate": {
        "task": "monitoring.tasks.warnings_evaluate_task",
        "schedule": env_int("MONITORING_EVALUATE_SECONDS", 6 * 3600),
    },
    # Marks overdue warnings, reminds their units (once a day) and tells the office.
    "monitoring-overdue": {
        "task": "monitoring.tasks.warnings_mark_overdue_task",
        "schedule": env_int("OVERDUE_SWEEP_SECONDS", 3600),
    },
    # Reminds units whose report is due soon or overdue (once each) and tells the office.
    "reporting-reminders": {
        "task": "reporting.tasks.reports_remind_task",
        "schedule": env_int("OVERDUE_SWEEP_SECONDS", 3600),
    },
}

# Calls per API client (django-ninja's throttle syntax: count/s, /m, /h, /d).
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "6000/m")
# ``next_updated_since`` of GET /api/v1/checks lies this long before the call: a change is
# stamped when written but seen only when its transaction commits (a batch's chunk takes
# seconds), so a poll from that time again misses none.
API_POLL_OVERLAP_SECONDS = env_int("API_POLL_OVERLAP_SECONDS", 60)
# Events (api/webhooks.py): each subscription's signing secret is derived from this key
# (changing it changes every secret), attempts per delivery, the pause before the second
# attempt (doubled each time, at most API_EVENT_RETRY_MAX_SECONDS), and whether callback
# URLs may be plain http to this machine (127.0.0.1, localhost): in development and tests.
API_EVENTS_KEY = env_str("API_EVENTS_KEY", SECRET_KEY)
API_EVENT_MAX_ATTEMPTS = env_int("API_EVENT_MAX_ATTEMPTS", 8)
API_EVENT_RETRY_SECONDS = env_int("API_EVENT_RETRY_SECONDS", 30)
API_EVENT_RETRY_MAX_SECONDS = env_int("API_EVENT_RETRY_MAX_SECONDS", 3600)
API_EVENT_LOCAL_HTTP = env_bool("API_EVENT_LOCAL_HTTP", DEBUG)
# A pending delivery this long past its due time lost its task, and is sent again.
API_EVENT_RESEND_AFTER_MINUTES = env_int("API_EVENT_RESEND_AFTER_MINUTES", 5)

# django-guid: the correlation id's header, and its passing to and between tasks; the
# worker logs through LOGGING (its lines carry the ids).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "Correlation-ID",
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}

# Who may read /metrics (office/metrics.py): addresses or networks, one per line or
# comma-separated; loopback by default (a Prometheus on the same host or a tunnel).
METRICS_ALLOWED_ADDRESSES = "\n".join(
    env_list("METRICS_ALLOWED_ADDRESSES", ["127.0.0.1/32", "::1/128"])
)

# Security: on by default whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)

if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Response headers (OWASP ASVS V3.4). The pages load scripts and styles only from the site's
# own static files: no inline <script>, event handler or style attribute anywhere (the
# behaviour lives in static/js/site.js, the looks in static/css/), so an injected one runs
# nowhere. htmx is told not to inject its indicator styles or evaluate anything (the
# htmx-config meta tag in templates/base.html). data: images are for Bootstrap's inline
# SVG icons and a second-factor enrolment QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Powerful browser features nobody at the office needs from this site, refused to every
# page (assistance/headers.py): an empty list means "no origin at all".
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Every line is printed once, by the root's console handler. Django's own default gives the
# "django" logger a console handler of its own (in DEBUG) and lets it propagate to the root
# as well, so "Not Found: /x" or "Watching for file changes" came out twice. Here that
# logger keeps no handler and no level of its own (LOG_LEVEL rules) and only propagates;
# its other default handler, mail_admins, had nothing to do (ADMINS is not set). The
# request lines of runserver (django.server) keep Django's default, which does not
# propagate. Axes's start-up banner is silenced: runserver's reloader starts two
# processes, and each printed it.
#
# Each line carries the correlation id of the web request it belongs to (django-guid: taken
# from a Correlation-ID header or made, returned in the response, and passed on to every
# task the request sent, and from a task to the tasks it sends), and in a worker the ids
# of the task and of the one that sent it. LOG_FORMAT=json prints one JSON object a line
# (python-json-logger) for a log collector; the default is text for a person.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "correlation_id": {"()": "django_guid.log_filters.CorrelationId"},
        "celery_tracing": {"()": "django_guid.integrations.celery.log_filters.CeleryTracing"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(correlation_id)s "
            "%(celery_current_id)s %(celery_parent_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["correlation_id", "celery_tracing"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "NOTSET", "propagate": True},
        "axes.apps": {"level": "WARNING"},
        # One line a task sent or run ("Setting task request header as …"): too chatty.
        "django_guid": {"level": "WARNING"},
    },
}
