FROM python:3.11-slim
WORKDIR /app
# Exactly what requirements.lock pins, with hashes (runtime and the dev extra: the lock is one file for both),
# then the project itself without resolving anything again: the packages setuptools finds (api, domain,
# read_index, sync, and devstack, which the CLI imports); bench/ is not installed.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY api api
COPY domain domain
COPY read_index read_index
COPY sync sync
COPY devstack devstack
RUN pip install --no-cache-dir --no-deps .
USER nobody
ENV CATALOG_ENVIRONMENT=production
EXPOSE 8000 9100
CMD ["catalog", "serve", "--host", "0.0.0.0", "--port", "8000"]
