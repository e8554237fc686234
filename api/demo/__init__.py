"""The demo catalog: a realistic, deterministic catalog (`catalog_data`, `orders_data`) that `catalog seed --demo`
and `catalog serve --demo` write through the domain's commands (`seed`), and the development-only customer token
the storefront signs in with (`customer_token`)."""
