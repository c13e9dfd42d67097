# syntax=docker/dockerfile:1
# VimbisoPay production image: Gunicorn serving config.wsgi as an unprivileged user.
# Runtime dependencies only (requirements.txt); no tests, benchmarks, .git or local state (see .dockerignore).
# Static files are collected into /app/staticfiles at build time; the app serves them (WhiteNoise).
#
# The base is pinned to a patch release. For a production build, pin its digest as well:
#   docker buildx imagetools inspect python:3.11.13-slim-bookworm
#   then build with --build-arg PYTHON_IMAGE=python:3.11.13-slim-bookworm@sha256:<that digest>
# Written by reading only: no Docker engine was available where it was written.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# --- Stage 1: wheels for every pinned runtime dependency ------------------------------------------------
FROM ${PYTHON_IMAGE} AS wheels
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

# --- Stage 2: runtime ----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    DJANGO_SETTINGS_MODULE=config.settings \
    GUNICORN_BIND=0.0.0.0:8000

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app
COPY requirements.txt .
# The wheels are bind-mounted from stage 1, so they never become a layer of this image.
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels -r requirements.txt

# Code is owned by root and read-only for the app user.
COPY . .

# The production settings guard needs every secret to import settings (each ≥ 32 characters, none public);
# these are build-time throwaways, random values generated in this step, that never reach the runtime
# environment.
RUN throwaway() { python -c 'import secrets; print(secrets.token_urlsafe(48))'; } \
 && DJANGO_SECRET="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    ALLOWED_HOSTS=build.invalid \
    WHATSAPP_APP_SECRET="$(throwaway)" WHATSAPP_VERIFY_TOKEN="$(throwaway)" \
    WHATSAPP_ACCESS_TOKEN="$(throwaway)" WHATSAPP_PHONE_NUMBER_ID=build-only \
    CLIENT_API_KEY="$(throwaway)" NOTIFY_API_KEY="$(throwaway)" OPERATOR_JWT_SIGNING_KEY="$(throwaway)" \
    REDIS_CACHE_URL=redis://build.invalid:6379/0 REDIS_STATE_URL=redis://build.invalid:6380/0 \
    sh -c 'python manage.py check --deploy --fail-level WARNING && python manage.py collectstatic --noinput' \
 && mkdir -p /app/var /run/vimbiso-metrics \
 && chown app:app /app/var /run/vimbiso-metrics

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "deploy.healthcheck", "http", "http://127.0.0.1:8000/healthz"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"]
