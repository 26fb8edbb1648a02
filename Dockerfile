# The board as an image: the README's production steps, in three stages. Build with
#   docker build -t jobboard .
# and run it with compose.yaml (the app, its worker, PostgreSQL, Meilisearch and Redis).

# Bootstrap and htmx, copied into static/vendor as `make assets` does on a checkout.
FROM node:20-bookworm AS assets
WORKDIR /src
COPY Makefile package.json package-lock.json ./
COPY static ./static
RUN make assets

# The wheel: the package with its templates, static files, migrations and compiled translations.
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY . .
COPY --from=assets /src/static/vendor ./static/vendor
RUN pip install --no-cache-dir babel==2.19.0 setuptools==84.2.1 \
    && pybabel compile -d jobboard/translations \
    && pip wheel --no-cache-dir --no-deps --no-build-isolation -w /wheels .

FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 10001 jobboard && mkdir -p /var/lib/jobboard && chown jobboard /var/lib/jobboard
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER jobboard
WORKDIR /home/jobboard
ENV JOBBOARD_ENV=production JOBBOARD_INSTANCE_PATH=/var/lib/jobboard PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000", "jobboard:create_app()"]
