import pytest
from django.core.exceptions import ImproperlyConfigured

from amexprog.settings.env import env_bool, env_int, env_str


def test_booleans_are_parsed_strictly(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "ja")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_integers_are_parsed_strictly(monkeypatch):
    monkeypatch.setenv("X_NUM", "12")
    assert env_int("X_NUM", 1) == 12
    monkeypatch.setenv("X_NUM", "12.5")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "3")
    with pytest.raises(ImproperlyConfigured, match="at least 24"):
        env_int("X_NUM", 48, minimum=24)


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET") == "from-a-file"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        env_str("X_SECRET")


def test_production_settings_refuse_the_development_secrets(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("DJANGO_SECRET_KEY", "dev-only-insecure-secret-key-change-me-0123456789abcdef")
    monkeypatch.setenv("PAN_HMAC_KEY", "x" * 40)
    monkeypatch.setenv("REQUEST_HMAC_KEY", "r" * 40)
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "f" * 40)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "cards.example.com")
    sys.modules.pop("amexprog.settings.production", None)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        importlib.import_module("amexprog.settings.production")
    sys.modules.pop("amexprog.settings.production", None)


def test_production_sends_email_over_smtp_configured_from_the_environment(monkeypatch, tmp_path):
    import importlib
    import sys

    password = tmp_path / "smtp"
    password.write_text("s3cret\n")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "k" * 60)
    monkeypatch.setenv("PAN_HMAC_KEY", "x" * 40)
    monkeypatch.setenv("REQUEST_HMAC_KEY", "r" * 40)
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "f" * 40)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "cards.example.com")
    monkeypatch.setenv("EMAIL_HOST", "smtp.example.com")
    monkeypatch.setenv("EMAIL_PORT", "587")
    monkeypatch.setenv("EMAIL_HOST_USER", "mailer")
    monkeypatch.setenv("EMAIL_HOST_PASSWORD_FILE", str(password))
    monkeypatch.setenv("EMAIL_USE_TLS", "true")
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", "cards@example.com")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/amexprog")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    for name in ("amexprog.settings.production", "amexprog.settings.base"):
        sys.modules.pop(name, None)
    try:
        prod = importlib.import_module("amexprog.settings.production")
        assert prod.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
        assert (prod.EMAIL_HOST, prod.EMAIL_PORT, prod.EMAIL_HOST_USER) == ("smtp.example.com", 587, "mailer")
        assert prod.EMAIL_HOST_PASSWORD == "s3cret"
        assert prod.EMAIL_USE_TLS is True
        assert prod.DEFAULT_FROM_EMAIL == "cards@example.com"
        monkeypatch.setenv("EMAIL_PORT", "smtp")
        sys.modules.pop("amexprog.settings.production", None)
        sys.modules.pop("amexprog.settings.base", None)
        with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
            importlib.import_module("amexprog.settings.production")
    finally:
        sys.modules.pop("amexprog.settings.production", None)
        sys.modules.pop("amexprog.settings.base", None)


def test_development_prints_email_and_tests_keep_it_in_memory(settings):
    from amexprog.settings import development

    assert development.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.parametrize(("unset", "message"), [("DATABASE_URL", "PostgreSQL"), ("REDIS_URL", "broker")])
def test_production_refuses_sqlite_and_in_process_tasks(monkeypatch, unset, message):
    import importlib
    import sys

    monkeypatch.setenv("DJANGO_SECRET_KEY", "k" * 60)
    monkeypatch.setenv("PAN_HMAC_KEY", "x" * 40)
    monkeypatch.setenv("REQUEST_HMAC_KEY", "r" * 40)
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "f" * 40)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "cards.example.com")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/amexprog")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv(unset)
    try:
        for name in ("amexprog.settings.production", "amexprog.settings.base"):
            sys.modules.pop(name, None)
        with pytest.raises(ImproperlyConfigured, match=message):
            importlib.import_module("amexprog.settings.production")
    finally:
        sys.modules.pop("amexprog.settings.production", None)
        sys.modules.pop("amexprog.settings.base", None)
