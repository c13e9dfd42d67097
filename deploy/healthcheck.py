"""Container health probes for the Dockerfile's HEALTHCHECK and docker-compose: exit 0 healthy, 1 not.

- `python -m deploy.healthcheck http URL`: GET `URL` answers 200 within 3 s. The probe sends the first
  ALLOWED_HOSTS entry as its Host header (a leading dot, Django's subdomain wildcard, dropped), so Django's
  host validation accepts it; the slim image has no curl, hence Python.
- `python -m deploy.healthcheck redis VARIABLE`: the Redis at the URL held by environment variable `VARIABLE`
  (e.g. REDIS_STATE_URL) answers PING.
- `python -m deploy.healthcheck heartbeat`: a worker on this host (consumer named `<hostname>-…`, run_worker's
  default) beat within WORKER_HEARTBEAT_MAX_AGE_SECONDS (bot/heartbeat.py's sorted set on REDIS_STATE_URL,
  under REDIS_KEY_PREFIX). The worker has no HTTP port: this proves it goes round its loop and reaches its
  queue, not merely that Redis answers.

No Django import: a probe must be cheap. Failures print one line without URLs' credentials.
"""

from __future__ import annotations

import http.client
import os
import socket
import sys
import time
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 3.0


def probe_host() -> str | None:
    """The Host header to send: the first ALLOWED_HOSTS entry, or None to keep the URL's own."""
    for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = entry.strip().lstrip(".")
        if host and host != "*":
            return host
    return None


def http_ok(url: str) -> bool:
    """True when a GET of `url` (plain http) answers 200."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=TIMEOUT_SECONDS)
    headers = {"Host": host} if (host := probe_host()) else {}
    try:
        connection.request("GET", parts.path or "/", headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        print(f"unhealthy: {type(exc).__name__} from {parts.hostname}:{parts.port}{parts.path}")
        return False
    finally:
        connection.close()
    if status != 200:
        print(f"unhealthy: {parts.path} answered {status}")
    return status == 200


def redis_ok(variable: str) -> bool:
    """True when the Redis named by environment variable `variable` answers PING."""
    import redis

    url = os.environ.get(variable, "")
    if not url:
        print(f"unhealthy: {variable} is not set")
        return False
    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS)
    try:
        return bool(client.ping())
    except redis.RedisError as exc:
        print(f"unhealthy: {variable} {type(exc).__name__}")
        return False
    finally:
        client.close()


def _state_client():
    import redis

    url = os.environ.get("REDIS_STATE_URL", "")
    if not url:
        return None
    return redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS)


def heartbeat_ok() -> bool:
    """True when a worker of this host beat recently (same key and default age as bot/heartbeat.py)."""
    import redis

    client = _state_client()
    if client is None:
        print("unhealthy: REDIS_STATE_URL is not set")
        return False
    key = f"{os.environ.get('REDIS_KEY_PREFIX', 'vp')}:worker:beats"
    since = time.time() - float(os.environ.get("WORKER_HEARTBEAT_MAX_AGE_SECONDS", "30"))
    try:
        recent = client.zrangebyscore(key, since, "+inf")
    except redis.RedisError as exc:
        print(f"unhealthy: REDIS_STATE_URL {type(exc).__name__}")
        return False
    finally:
        client.close()
    mine = f"{socket.gethostname()}-".encode()
    if not any(name.startswith(mine) for name in recent):
        print("unhealthy: no worker heartbeat from this host")
        return False
    return True


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "http":
        return 0 if http_ok(argv[1]) else 1
    if len(argv) == 2 and argv[0] == "redis":
        return 0 if redis_ok(argv[1]) else 1
    if argv == ["heartbeat"]:
        return 0 if heartbeat_ok() else 1
    print("usage: python -m deploy.healthcheck http URL | redis VARIABLE | heartbeat", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
