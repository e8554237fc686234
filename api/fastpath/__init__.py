"""The fast path: code that goes around the generic machinery of strawberry, graphql-core, uvicorn and
elasticsearch-py where the benchmarks showed that machinery to cost more than the work behind it.

One door: only `api.schema.schema`, `api.app`, `api.bootstrap` and `api.cli.serve` import this package, and
only this package imports the libraries' private modules (both are import contracts in pyproject.toml). The
library versions it was written against are pinned in `requirements.lock`. `CATALOG_FAST_PATH=false` serves
everything through the libraries' public paths instead, and the differential suite
(`tests/integration/api/fast_path_differential/`) checks that both answer byte for byte the same.
"""
