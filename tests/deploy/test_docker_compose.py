"""docker-compose.yml and the Dockerfile match the settings (issue 9, item 8).

There is no Docker engine on the development machine, so these tests read both files: every
service is there, every environment variable production.py requires is given (directly or as a
`<NAME>_FILE` secret), the commands name modules that exist, and the production settings built
from the compose environment point at PostgreSQL and Redis.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
APP_SERVICES = ("web", "worker", "beat")
# Read at start-up by production settings and without a usable default there: SQLite and an
# in-process "broker" are development conveniences only.
ALWAYS_REQUIRED = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS"}


def required_production_variables() -> set[str]:
    source = (ROOT / "amexprog" / "settings" / "production.py").read_text()
    return set(re.findall(r'env_required\("(\w+)"\)', source)) | ALWAYS_REQUIRED


def environment(service: str) -> dict[str, str]:
    return {name: str(value) for name, value in (COMPOSE["services"][service].get("environment") or {}).items()}


def command_words(service: str) -> list[str]:
    command = COMPOSE["services"][service]["command"]
    return command if isinstance(command, list) else shlex.split(command)


def test_every_service_of_the_production_shape_is_there():
    assert set(COMPOSE["services"]) >= {"postgres", "redis", "web", "worker", "beat"}
    for service in APP_SERVICES:
        assert COMPOSE["services"][service]["build"] == "."


def test_the_production_secret_variables_are_found_in_production_py():
    assert {"DJANGO_SECRET_KEY", "PAN_HMAC_KEY"} <= required_production_variables()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_required_production_variable_is_given(service):
    env = environment(service)
    assert env["DJANGO_SETTINGS_MODULE"] == "amexprog.settings.production"
    importlib.import_module("amexprog.settings.env")  # the module the settings parse with
    secrets = COMPOSE["services"][service].get("secrets", [])
    for name in sorted(required_production_variables()):
        if name in env:
            assert env[name].strip(), f"{service}: {name} is empty"
            continue
        assert f"{name}_FILE" in env, f"{service}: neither {name} nor {name}_FILE is set"
        secret_path = env[f"{name}_FILE"]
        secret_name = Path(secret_path).name
        assert secret_path == f"/run/secrets/{secret_name}", f"{service}: {name}_FILE is not a Docker secret"
        assert secret_name in secrets, f"{service}: secret {secret_name} is not mounted"
        assert secret_name in COMPOSE["secrets"], f"secret {secret_name} is not declared"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")


def test_the_database_credentials_match_the_postgres_service():
    postgres = environment("postgres")
    url = environment("web")["DATABASE_URL"]
    assert url == (f"postgres://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
                   f"@postgres:5432/{postgres['POSTGRES_DB']}")


def test_production_settings_built_from_the_compose_environment(tmp_path):
    """Start Django with exactly web's environment (secrets from files) and read the settings back."""
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env.update(environment("web"))
    for name, value in list(env.items()):
        if name.endswith("_FILE"):
            secret = tmp_path / Path(value).name
            secret.write_text(("s3cr3t-" * 20) + "\n")  # long enough for production.py's checks
            env[name] = str(secret)
    for name in ("MEDIA_ROOT", "EMBOSSING_DIR", "EUROBONUS_EXPORT_DIR"):
        env[name] = str(tmp_path / name.lower())
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'host': s.DATABASES['default']['HOST'], "
        "'broker': s.CELERY_BROKER_URL, 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'debug': s.DEBUG, "
        "'hosts': s.ALLOWED_HOSTS, 'static': str(s.STATIC_ROOT), 'storage': s.STORAGES['staticfiles']['BACKEND'], "
        "'secret': len(s.SECRET_KEY)}))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    settings = json.loads(result.stdout.strip().splitlines()[-1])
    assert settings == {
        "engine": "django.db.backends.postgresql", "host": "postgres",
        "broker": environment("web")["REDIS_URL"], "eager": False, "debug": False,
        "hosts": ["localhost", "127.0.0.1"], "static": str(ROOT / "staticfiles"),
        "storage": "whitenoise.storage.CompressedManifestStaticFilesStorage", "secret": 140,
    }


def test_web_migrates_collects_static_and_serves_the_wsgi_app_under_gunicorn():
    words = command_words("web")
    script = " ".join(words)
    assert "manage.py migrate --noinput" in script
    assert "manage.py collectstatic --noinput" in script
    assert script.index("migrate") < script.index("collectstatic") < script.index("gunicorn")
    module, attribute = re.search(r"gunicorn (\S+):(\S+)", script).groups()
    assert (module, attribute) == ("amexprog.wsgi", "application")
    assert (ROOT / Path(*module.split("."))).with_suffix(".py").read_text().count(f"{attribute} =") == 1
    port = re.search(r"--bind 0\.0\.0\.0:(\d+)", script).group(1)
    assert COMPOSE["services"]["web"]["ports"] == [f"{port}:{port}"]


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_worker_and_beat_run_the_projects_celery_app(service):
    words = command_words(service)
    assert words[:3] == ["celery", "-A", "amexprog"]
    assert words[3] == service
    from amexprog import celery_app
    from amexprog.celery import app

    assert celery_app is app and app.main == "amexprog"
    if service == "beat":
        from django.conf import settings

        assert settings.CELERY_BEAT_SCHEDULE, "beat has nothing to schedule"
        schedule_file = words[words.index("--schedule") + 1]
        assert any(schedule_file.startswith(volume.split(":")[1] + "/")
                   for volume in COMPOSE["services"][service]["volumes"])


def test_healthchecks_and_start_order():
    services = COMPOSE["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "/login/" in " ".join(services["web"]["healthcheck"]["test"])
    for service in APP_SERVICES:
        depends = services[service]["depends_on"]
        assert depends["postgres"] == {"condition": "service_healthy"}
        assert depends["redis"] == {"condition": "service_healthy"}
    for service in ("worker", "beat"):  # after web's migrate step
        assert services[service]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_file_storage_is_a_volume_shared_by_web_and_worker():
    for service in APP_SERVICES:
        env = environment(service)
        volumes = COMPOSE["services"][service]["volumes"]
        mounts = [volume.split(":")[1] for volume in volumes]
        for name in ("MEDIA_ROOT", "EMBOSSING_DIR", "EUROBONUS_EXPORT_DIR"):
            assert any(env[name].startswith(mount) for mount in mounts), f"{service}: {name} is not on a volume"
        assert all(volume.split(":")[0] in COMPOSE["volumes"] for volume in volumes)


def test_dockerfile_builds_the_app_the_compose_file_runs():
    from_line = re.search(r"^FROM python:(\d+)\.(\d+)", DOCKERFILE, re.M)
    assert from_line, "the image is not built on an official Python image"
    assert (int(from_line.group(1)), int(from_line.group(2))) >= (3, 11)  # pyproject's requires-python
    assert re.search(r"^WORKDIR /app$", DOCKERFILE, re.M)
    assert re.search(r"^COPY \. \.$", DOCKERFILE, re.M)
    assert "pip install" in DOCKERFILE
    assert "pybabel compile -d locale -D django" in DOCKERFILE  # the .mo files are not committed
    assert re.search(r"^EXPOSE 8000$", DOCKERFILE, re.M)
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M).group(1))
    assert cmd[:2] == ["gunicorn", "amexprog.wsgi:application"]
    for package in ("libpango-1.0-0", "fonts-dejavu-core"):  # WeasyPrint's statement PDFs
        assert package in DOCKERFILE
    dockerignore = ROOT / ".dockerignore"
    assert dockerignore.exists(), "without .dockerignore the image would copy .venv, db.sqlite3 and secrets/"
    ignored = dockerignore.read_text().split()
    for path in (".venv", "secrets", "db.sqlite3", ".git"):
        assert path in ignored
