"""Development tooling, not the product: the managed Elasticsearch node and the throwaway PostgreSQL cluster.

The CLI's development paths (`catalog elasticsearch`, and `catalog serve` resolving the managed node when no
Elasticsearch URL is configured), the tests and the benchmarks use it; no product module imports it (import
contracts in pyproject.toml say so). It reads no configuration of its own: the cache directory, ports, heap and
Java homes are parameters, given by the CLI from the settings and by tests and benchmarks from their own.
"""
