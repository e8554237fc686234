"""A `CatalogReader` as bootstrap builds one: through `transport` (elasticsearch-py's by default), with its
shared points in time."""

from __future__ import annotations

from elasticsearch import AsyncElasticsearch

from read_index.points_in_time import CursorOptions, PointsInTime
from read_index.queries import CatalogReader
from read_index.transport import ClientTransport, ReadTransport


def catalog_reader(
    client: AsyncElasticsearch,
    prefix: str,
    transport: ReadTransport | None = None,
    points_in_time: PointsInTime | None = None,
    options: CursorOptions | None = None,
) -> CatalogReader:
    shared = points_in_time or PointsInTime(client, prefix, options)
    return CatalogReader(transport or ClientTransport(client), prefix, shared)
