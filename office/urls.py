"""Every URL of the site: the base layer's (sign-in, notifications, the auditors' logs),
each app's under its prefix, and the home page."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from assistance import views
from assistance.signin import views as signin_views

from .health import health, health_workers
from .metrics import metrics
from .operations import task_queues
from .views import home

urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("health/workers/", health_workers, name="health_workers"),
    path("metrics", metrics, name="metrics"),
    path("operations/queues/", task_queues, name="task_queues"),
    path("accounts/login/", signin_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", signin_views.account_security, name="account_security"),
    path("accounts/password/", signin_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/second-factor/",
        signin_views.second_factor_verify,
        name="second_factor_verify",
    ),
    path(
        "accounts/second-factor/enrol/",
        signin_views.second_factor_enrol,
        name="second_factor_enrol",
    ),
    path(
        "accounts/second-factor/recovery-codes/",
        signin_views.recovery_codes_renew,
        name="recovery_codes_renew",
    ),
    path("accounts/locked/", signin_views.locked_signins, name="locked_signins"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("verification/", include("verification.urls")),
    path("meetings/", include("meetings.urls")),
    path("intake/", include("intake.urls")),
    path("ledger/", include("ledger.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("api/v1/", include("api.urls")),
    path("performance/", include("performance.urls")),
    path("reports/", include("reporting.urls")),
    path("notifications/", views.notification_list, name="notifications"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/export.xlsx", views.access_log_xlsx, name="access_log_xlsx"),
    path("accounts/changes/", views.account_changes, name="account_changes"),
    path("login-log/", views.login_log, name="login_log"),
    path("audit-events/", views.audit_events, name="audit_events"),
]

# No route serves MEDIA_ROOT, in any mode: uploads hold personal data, and each is served
# by a view behind its object's permission gateway (assistance.files.file_response).
