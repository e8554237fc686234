FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api api
COPY domain domain
COPY read_index read_index
COPY sync sync
COPY devstack devstack
RUN pip install --no-cache-dir .
USER nobody
EXPOSE 8000
CMD ["catalog", "serve", "--host", "0.0.0.0", "--port", "8000"]
