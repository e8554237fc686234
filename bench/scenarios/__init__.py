"""One module per scenario of the suite; each measures our path and its limit and adds rows to the report."""
