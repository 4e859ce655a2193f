"""Settings shared by every environment; each value comes from the environment when it is set."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SHARED_DATA_DIR = Path(environ.Env().str("SHARED_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data")))

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "dsfr",
    "widget_tweaks",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "tremplin.accounts",
    "tremplin.territories",
    "tremplin.network",
    "tremplin.catalog",
    "tremplin.youth",
    "tremplin.matching",
    "tremplin.referrals",
    "tremplin.stats",
    "tremplin.api",
    "tremplin.demo",
    "tremplin.pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before the login check, so that an expired session is sent to the login page like any other.
    "tremplin.accounts.middleware.SessionExpiryMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "tremplin.accounts.middleware.SecondFactorRequiredMiddleware",
    "tremplin.accounts.middleware.CurrentMembershipMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a refused login (too many failures) into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tremplin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dsfr.context_processors.site_config",
                "tremplin.accounts.context_processors.current_membership",
                "tremplin.accounts.context_processors.csp_nonce",
                "tremplin.pages.context_processors.branding",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'tremplin.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a command writes; a busy timeout avoids "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses any attempt on a locked-out account before a password is even checked.
    "tremplin.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Does nothing unless ProConnect is configured (OIDC_* below).
    "tremplin.accounts.proconnect.ProConnectBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "pages:home"
LOGOUT_REDIRECT_URL = "pages:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A session lasts SESSION_COOKIE_AGE seconds after login at most, and ends sooner after
# SESSION_IDLE_TIMEOUT seconds without a request (tremplin.accounts.middleware.SessionExpiryMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=2 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): AXES_FAILURE_LIMIT failed attempts on one account from one address
# lock that pair out for AXES_COOLOFF_MINUTES. `python manage.py axes_reset_username EMAIL` unlocks.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login forms post the address as "username" (axes would otherwise look for "email").
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "tremplin.accounts.backends.attempted_email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
# Neither a log of successful logins nor the attempted addresses in the server log: personal data.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Behind a reverse proxy, the client address is the last one it appends to X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Second factor (django-otp, TOTP). Staff and steering members must use one unless
# TREMPLIN_OTP_REQUIRED is false (development only); anyone else may turn one on.
TREMPLIN_OTP_REQUIRED = env.bool("TREMPLIN_OTP_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Tremplin"
# The admin lists the apps (to delete a lost one) without showing their secrets.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# ProConnect (OpenID Connect), offered on the login page only when every OIDC_* value below is set.
# Accounts are matched by email; ProConnect never creates one.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
TREMPLIN_PROCONNECT_ENABLED = all(
    (
        OIDC_RP_CLIENT_ID,
        OIDC_RP_CLIENT_SECRET,
        OIDC_OP_AUTHORIZATION_ENDPOINT,
        OIDC_OP_TOKEN_ENDPOINT,
        OIDC_OP_USER_ENDPOINT,
        OIDC_OP_JWKS_ENDPOINT,
        OIDC_OP_LOGOUT_ENDPOINT,
    )
)
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email given_name usual_name")
OIDC_CREATE_USER = False
OIDC_STORE_ID_TOKEN = True  # the ProConnect logout needs it (id_token_hint)
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:proconnect_callback"
OIDC_TIMEOUT = 10
LOGIN_REDIRECT_URL_FAILURE = "accounts:login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tremplin <ne-pas-repondre@tremplin.localhost>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# The DSFR and the Marianne brand block are reserved to services operated by the State.
TREMPLIN_STATE_BRAND = env.bool("TREMPLIN_STATE_BRAND", default=True)
TREMPLIN_OPERATOR_NAME = env.str("TREMPLIN_OPERATOR_NAME", default="République française")

# Content-Security-Policy (django-csp): scripts from this site, or carrying the page's nonce; never an
# inline script. Inline style attributes stay allowed (DSFR and the charts use them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # Redoc (/api/v1/docs/) builds its search index in a worker started from a blob.
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if OIDC_OP_LOGOUT_ENDPOINT:
    # The logout form's answer redirects to ProConnect; Chrome applies form-action to that redirect.
    from urllib.parse import urlsplit

    _logout = urlsplit(OIDC_OP_LOGOUT_ENDPOINT)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_logout.scheme}://{_logout.netloc}")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A token first: a request without one answers 401 with "WWW-Authenticate: Bearer".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tremplin.api.authentication.TokenAuthentication",
        # A session whose second factor is still pending authenticates no one.
        "tremplin.accounts.api_authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tremplin.api.permissions.Authenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tremplin.api.parsers.LimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "tremplin.api.pagination.Cursor",
    "DEFAULT_THROTTLE_CLASSES": ["tremplin.api.throttling.ClientRateThrottle"],
    # Per token, per signed-in person, per address (anonymous calls of the public resources). The
    # counters live in Django's cache: per process with the default local-memory cache.
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_RATE_TOKEN", default="600/min"),
        "user": env.str("API_RATE_USER", default="600/min"),
        "anon": env.str("API_RATE_ANON", default="120/min"),
    },
    "EXCEPTION_HANDLER": "tremplin.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Tremplin",
    "DESCRIPTION": "API de Tremplin : orientation des jeunes des missions locales vers le Cnam.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["tremplin.api.permissions.Public"],
    "COMPONENT_SPLIT_REQUEST": True,
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "tremplin.referrals.enums.ReferralStatus",
        "ReferralEventActionEnum": "tremplin.referrals.enums.Action",
        "TransitionActionEnum": "tremplin.api.referrals.API_ACTION_CHOICES",
        "QualificationLevelEnum": "tremplin.catalog.enums.QualificationLevel",
        "TeachingModeEnum": "tremplin.catalog.enums.TeachingMode",
        "RegistrationStateEnum": "tremplin.catalog.enums.RegistrationState",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tremplin.api.schema.add_problems",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes reports every login at INFO (addresses masked): only lockouts and errors are worth keeping.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# LHEO 2.3 schema used by `import_lheo --validate` and the export tests; not shipped in the repository.
LHEO_XSD_PATH = env.str("LHEO_XSD_PATH", default=str(SHARED_DATA_DIR / "lheo" / "lheo-2.3.xsd"))

# How often (seconds) a process checks that its in-memory commune index is still current.
TREMPLIN_COMMUNE_INDEX_CHECK_SECONDS = env.int("TREMPLIN_COMMUNE_INDEX_CHECK_SECONDS", default=60)

# Referral deadlines (issue 5): reminder to the Cnam side after N working days without action,
# escalation to the regional centre after M, expiry after P calendar days.
REFERRAL_REMINDER_DAYS = env.int("REFERRAL_REMINDER_DAYS", default=5)
REFERRAL_ESCALATION_DAYS = env.int("REFERRAL_ESCALATION_DAYS", default=10)
REFERRAL_EXPIRY_DAYS = env.int("REFERRAL_EXPIRY_DAYS", default=30)
REFERRAL_LINK_MAX_AGE_DAYS = env.int("REFERRAL_LINK_MAX_AGE_DAYS", default=30)
# Hour (local time) of the daily digest of referral notifications, and how often a failed email is retried.
REFERRAL_DIGEST_HOUR = env.int("REFERRAL_DIGEST_HOUR", default=7)
REFERRAL_EMAIL_MAX_ATTEMPTS = env.int("REFERRAL_EMAIL_MAX_ATTEMPTS", default=8)

# API rate limits per minute (per token, per signed-in person, per anonymous address). With the default
# in-process cache each gunicorn worker counts on its own: configure a shared cache for exact limits.
API_RATE_TOKEN = env.int("API_RATE_TOKEN", default=600)
API_RATE_USER = env.int("API_RATE_USER", default=600)
API_RATE_ANON = env.int("API_RATE_ANON", default=120)
# Webhook URLs on private networks are refused unless allowed (allowed in development).
TREMPLIN_WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("TREMPLIN_WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=DEBUG)

# Files computed once and kept between runs (the départements' map outlines): never committed.
TREMPLIN_CACHE_DIR = env.str("TREMPLIN_CACHE_DIR", default=str(BASE_DIR / "var" / "cache"))

# Personal data (issue 8): records without activity for RETENTION_MONTHS, and people older than
# RETENTION_MAX_AGE, are anonymised by `purge_personal_data` (run it nightly from cron).
RETENTION_MONTHS = env.int("RETENTION_MONTHS", default=24)
RETENTION_MAX_AGE = env.int("RETENTION_MAX_AGE", default=26)

# Request sizes: forms and API bodies up to 1 MB (DATA_UPLOAD_MAX_MEMORY_SIZE, also read by the API's
# JSON parser), files above 2 MB spooled to disk; the LHEO upload page accepts files up to 20 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
LHEO_UPLOAD_MAX_BYTES = env.int("LHEO_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)

# Error reports (emails to ADMINS, debug pages) without the young people's data.
DEFAULT_EXCEPTION_REPORTER_FILTER = "tremplin.utils.error_reports.PersonalDataReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "tremplin.utils.error_reports.PersonalDataExceptionReporter"
