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

# Built in /src and installed like any wheel (a plain, non-editable `pip install .`): the wheel
# carries the shipped glossaries/ and house styles as package data (service.shipped), and the
# migrations, so nothing at run time reads the source tree, which is removed.
WORKDIR /src
# Dependencies first, read from pyproject.toml, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
        print('\n'.join(project['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
COPY README.md ./
COPY service service
COPY workers workers
COPY glossaries glossaries
RUN pip install . && cd / && rm -rf /src

WORKDIR /app
# An unprivileged user: Celery warns against running as root, and nothing here needs root.
RUN useradd --system --uid 10001 --home-dir /app audarma
USER audarma

EXPOSE 8000
CMD ["gunicorn", "service.app:create_app()", "--workers", "2", "--threads", "4", \
     "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
