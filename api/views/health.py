"""Liveness (`/healthz`) and readiness (`/readyz`) probes for the orchestrator and load balancer."""

import logging

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.request import Request

from api.exceptions import problem_response
from api.renderers import dumps
from api.schema import problem

logger = logging.getLogger(__name__)

# A probe must answer well within the orchestrator's timeout even when a dependency hangs.
PROBE_TIMEOUT_SECONDS = 1.0

_STATUS = inline_serializer(
    "HealthStatus",
    {"status": serializers.CharField(), "checks": serializers.DictField(child=serializers.CharField(), required=False)},
)


# The probes speak JSON only: one whose `Accept` excludes it gets DRF's 406 problem, the one 4xx a GET of
# these can meet (they take no credentials, no parameters and no throttle).
_NOT_ACCEPTABLE = problem(
    "The `Accept` header excludes JSON: send none, `*/*` or `application/json`.",
    status=406,
    code="not_acceptable",
    detail="Could not satisfy the request Accept header.",
)
_NOT_READY = problem(
    "A dependency did not answer within a second; `detail` names which. Sent with `Retry-After: 5`.",
    status=503,
    code="not_ready",
    detail="Not ready: redis unavailable.",
)


def _json(body: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


@extend_schema(
    operation_id="healthz_retrieve",
    tags=["health"],
    summary="Liveness probe",
    description="200 while the process can serve requests. Checks no dependency. Anonymous, never throttled, "
    "never cached.",
    responses={
        200: OpenApiResponse(
            _STATUS,
            description="The process is up.",
            examples=[OpenApiExample("ok", value={"status": "ok"})],
        ),
        406: _NOT_ACCEPTABLE,
    },
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def healthz(request: Request) -> HttpResponse:
    return _json({"status": "ok"})


def _check_database() -> str:
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


@extend_schema(
    operation_id="readyz_retrieve",
    tags=["health"],
    summary="Readiness probe",
    description="200 when the database and Redis answer; 503 problem+json naming what failed otherwise. "
    "Anonymous, never throttled, never cached.",
    responses={
        200: OpenApiResponse(
            _STATUS,
            description="Ready: each check says `ok` (Redis: `not configured` where it is not used).",
            examples=[OpenApiExample("ready", value={"status": "ok", "checks": {"database": "ok", "redis": "ok"}})],
        ),
        406: _NOT_ACCEPTABLE,
        503: _NOT_READY,
    },
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def readyz(request: Request) -> HttpResponse:
    checks: dict[str, str] = {}
    for name, check in (("database", _check_database), ("redis", _check_redis)):
        try:
            checks[name] = check()
        except Exception as exc:  # any failure means "not ready"; the class name says which, without secrets
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            checks[name] = "unavailable"
    failed = [name for name, result in checks.items() if result == "unavailable"]
    if failed:
        response = problem_response(status=503, detail=f"Not ready: {', '.join(failed)} unavailable.", code="not_ready")
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
    return _json({"status": "ok", "checks": checks})


__all__ = ["healthz", "readyz"]
