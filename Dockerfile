# The audarma image: API (gunicorn), Celery workers and the `audarma` command. docker-compose.yml
# runs it as each of those processes.
#
# bookworm: the Debian release whose apertium-eng-spa / apertium-eng-cat packages the project is
# tested with (the same as .ci/setup installs).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        apertium apertium-eng-spa apertium-eng-cat \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY service/__init__.py service/__init__.py
COPY workers/__init__.py workers/__init__.py
RUN pip install .
COPY service service
COPY workers workers
COPY glossaries glossaries
# Editable: the shipped glossaries/ and house styles are read from the source tree beside the
# package (service/core/glossary.py), which a plain `pip install .` would leave behind.
RUN pip install --no-deps -e .

# An unprivileged user: Celery warns against running as root, and nothing here needs root.
RUN useradd --system --uid 10001 --home-dir /app audarma
USER audarma

EXPOSE 8000
CMD ["gunicorn", "service.app:create_app()", "--workers", "2", "--threads", "4", \
     "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
