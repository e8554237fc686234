"""The GraphQL schema: thin strawberry types over the bus (mutations) and the CatalogReader (queries)."""
