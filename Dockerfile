# The service's image: gunicorn by default; the same image runs the Celery worker, beat and
# migrations (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A home of its own: gunicorn keeps its control socket there (~/.gunicorn).
RUN groupadd --system app && useradd --system --gid app --create-home --home-dir /home/app app

WORKDIR /app

# Pango and Debian's DejaVu fonts for WeasyPrint (the committee's minutes as PDF).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The project and its pinned dependencies (pyproject.toml). PYTHONPATH=/app makes the copy
# in /app the one imported, so BASE_DIR (templates, static) points into /app.
COPY . .
RUN pip install . && rm -rf build *.egg-info

# Static files are built into the image and served by WhiteNoise. The key only lets the
# settings load here; the real one comes from the environment at run time.
RUN DEBUG=0 SECRET_KEY=collectstatic-build-only-not-a-secret \
    python manage.py collectstatic --noinput

USER app

# The access log keeps the path but not the query string: the launch calendar feed takes
# an API key as `?key=` (calendar apps cannot send headers), and no key belongs in a log.
# Set here, it applies to every gunicorn the image runs (docker-compose's web too).
ENV GUNICORN_CMD_ARGS="--access-logformat '%(h)s %(l)s %(u)s %(t)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"'"

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
