"""Catalog files: `catalog import` and `catalog export` (docs/import.md)."""
