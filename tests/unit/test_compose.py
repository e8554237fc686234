"""The compose stack's shape, read from docker-compose.yml and the Dockerfile (no Docker engine needed): every
long-running service is health-checked and restarted, the worker's metrics are reachable, no secret has a
default, and the image installs exactly what the lock file pins."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML: installed with uvicorn[standard]

ROOT = Path(__file__).parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, Any] = COMPOSE["services"]
LONG_RUNNING = ["postgres", "elasticsearch", "api", "sync"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def healthcheck_command(service: str) -> str:
    test = SERVICES[service]["healthcheck"]["test"]
    return " ".join(test[1:]) if isinstance(test, list) else str(test)


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_every_long_running_service_is_health_checked_and_restarted(service: str) -> None:
    assert healthcheck_command(service)
    assert SERVICES[service]["restart"] in ("unless-stopped", "always")


def test_the_one_shot_migration_is_retried_a_few_times_only() -> None:
    assert re.fullmatch(r"on-failure:\d+", SERVICES["migrate"]["restart"])


def test_the_api_is_healthy_when_it_is_ready() -> None:
    assert "/readyz" in healthcheck_command("api")
    assert "127.0.0.1:8000:8000" in SERVICES["api"]["ports"]


def test_the_worker_is_healthy_when_it_is_not_lagging_and_publishes_its_metrics_port() -> None:
    command = SERVICES["sync"]["command"]
    metrics_port = command[command.index("--metrics-port") + 1]

    assert healthcheck_command("sync").startswith("catalog sync status --max-lag-seconds ")
    assert f"127.0.0.1:{metrics_port}:{metrics_port}" in SERVICES["sync"]["ports"]


@pytest.mark.parametrize("service", ["migrate", "api", "sync"])
def test_the_catalog_services_run_in_production_with_a_jwt_secret_that_must_be_set(service: str) -> None:
    environment = SERVICES[service]["environment"]

    assert environment["CATALOG_ENVIRONMENT"] == "production"
    assert re.fullmatch(r"\$\{CATALOG_JWT_SECRET:\?[^}]+\}", environment["CATALOG_JWT_SECRET"])


def test_no_variable_that_holds_a_secret_has_a_default() -> None:
    defaults = re.findall(r"\$\{(\w*(?:SECRET|PASSWORD|TOKEN|KEY)\w*)(?::?-)", COMPOSE_TEXT)

    assert defaults == []


def test_the_image_installs_the_lock_file_with_hashes_then_the_project_without_resolving_again() -> None:
    assert "COPY requirements.lock" in DOCKERFILE
    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in DOCKERFILE
    assert "pip install --no-cache-dir --no-deps ." in DOCKERFILE


@pytest.mark.parametrize("package", ["api", "domain", "read_index", "sync", "devstack"])
def test_the_image_holds_every_installed_package(package: str) -> None:
    assert f"COPY {package} {package}" in DOCKERFILE


def test_the_image_leaves_the_benchmarks_out() -> None:
    assert "COPY bench" not in DOCKERFILE
