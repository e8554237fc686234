"""Disorder: the sync worker replaying N events delivered shuffled and with 30% duplicates, against the same
events in order, each from its own database into fresh indices; then `catalog verify` must find the shuffled
index identical to the write model. Every product has four events (created, stock received, two price
changes), each its own transaction, so every record carries a state and order really matters.

The shuffled stream is a second database whose outbox holds the first one's records in shuffled order, with
duplicates, so the real worker (reader, projection, delivery, checkpoints) replays it as it would a
re-delivered outbox. The node's indexing path is warmed first, untimed, as in the sync scenario. The note tells
how many index operations per product each replay's batches carried: in order, a product's four events fall into
one batch."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, select, text

from api.demo import catalog_data as catalog
from bench import raw
from bench.measure import CpuMeter, freeze_heap, median
from bench.ours import sync_until_caught_up
from bench.report import Row
from bench.rows import Rows, insert_rows, new_product
from bench.run import Run
from bench.services import catalog_env, run_catalog
from domain.model.inventory import StockReceipt
from domain.storage.aggregate_rows import rows_to_write
from domain.storage.engine import create_sync
from domain.storage.migrate import upgrade
from domain.storage.tables import outbox
from read_index.indices import delete_indices

TARGET = 0.7
EVENTS_PER_PRODUCT = 4
DUPLICATES = 0.3


def _history(index: int) -> Rows:
    """Rows of one product's four separate commands: each outbox row carries the state after its event."""
    now = datetime.now(UTC)
    product = new_product(catalog.product(index, sku_prefix="DIS"), stock=0, now=now)
    rows = Rows()
    for step in range(EVENTS_PER_PRODUCT):
        if step == 1:
            product.receive_stock(StockReceipt.checked(product.variants[0].sku, 100), now)
        elif step > 1:
            product.change_price(product.price.amount + Decimal(step), "EUR", None, now)
        rows.outbox.extend(rows_to_write(product).outbox)
        product.pending_events.clear()
    written = rows_to_write(product)
    written.outbox = []
    rows.add(written)
    return rows


def _copy_shuffled(source: Engine, target: Engine, rng: random.Random) -> int:
    """Copies `source`'s products and outbox into `target`, the outbox rows shuffled, with `DUPLICATES` of them
    twice; returns the number of rows written. The rows never pass through Python as objects."""
    with source.connect() as connection:
        sequences = list(connection.execute(select(outbox.c.sequence)).scalars())
    delivered = sequences + rng.sample(sequences, int(len(sequences) * DUPLICATES))
    rng.shuffle(delivered)
    columns = [c.name for c in outbox.columns if c.name != "sequence"]
    database = source.url.database
    picked = ", ".join(f"o.{name}" for name in columns)
    with target.connect() as connection:
        connection.execute(text("ATTACH DATABASE :path AS source"), {"path": database})
        connection.execute(text("CREATE TEMP TABLE delivery (n INTEGER PRIMARY KEY, source_sequence INTEGER)"))
        connection.execute(
            text("INSERT INTO delivery (source_sequence) VALUES (:s)"), [{"s": sequence} for sequence in delivered]
        )
        for table in ("products", "product_variants", "skus"):
            connection.execute(text(f"INSERT INTO {table} SELECT * FROM source.{table}"))
        connection.execute(
            text(
                f"INSERT INTO outbox ({', '.join(columns)}) SELECT {picked} FROM delivery"
                " JOIN source.outbox AS o ON o.sequence = delivery.source_sequence ORDER BY delivery.n"
            )
        )
        connection.commit()
        connection.execute(text("DETACH DATABASE source"))
    return len(delivered)


def seed(run: Run, database_url: str, products: int) -> None:
    upgrade(database_url)
    engine = create_sync(database_url)
    try:
        with run.progress() as bar:
            task = bar.add_task(f"seeding {products * EVENTS_PER_PRODUCT:,} events", total=products)
            for low in range(0, products, 1_000):
                batch = Rows()
                for index in range(low, min(low + 1_000, products)):
                    rows = _history(index)
                    batch.products += rows.products
                    batch.variants += rows.variants
                    batch.skus += rows.skus
                    batch.outbox += rows.outbox
                insert_rows(engine, batch)
                bar.advance(task, min(1_000, products - low))
    finally:
        engine.dispose()


async def run(run: Run) -> None:
    products = max(10, run.settings.disorder_events // EVENTS_PER_PRODUCT)
    ordered_database, shuffled_database = run.sqlite_url("disorder"), run.sqlite_url("disorder-shuffled")
    seed(run, ordered_database, products)
    upgrade(shuffled_database)
    ordered_engine, shuffled_engine = create_sync(ordered_database), create_sync(shuffled_database)
    try:
        delivered = _copy_shuffled(ordered_engine, shuffled_engine, random.Random(3))
        docs = raw.final_documents(ordered_engine)
    finally:
        ordered_engine.dispose()
        shuffled_engine.dispose()
    freeze_heap()
    client = run.es_client()
    probes = run.cpu_probes()
    rates: dict[str, list[float]] = {"ordered": [], "disordered": []}
    sent: dict[str, int] = {}
    cpu: dict[str, float] = {}
    events: dict[str, int] = {}
    verified_prefix = ""
    try:
        run.console.log("disorder: warming the node's indexing path (untimed)")
        await raw.warm_up_indexing(
            client, f"{run.prefix('disorderwarmup')}-products-raw", docs, run.elasticsearch.layout
        )
        for repetition in range(2):
            for name, database in (("ordered", ordered_database), ("disordered", shuffled_database)):
                prefix = run.prefix(f"disorder{name}{repetition}")
                run.console.log(f"disorder: {name} replay ({repetition + 1}/2)")
                meter = CpuMeter(probes)
                with meter.measuring():
                    stats = await sync_until_caught_up(run, database, prefix, subscription=f"bench-{prefix}")
                rates[name].append(stats.rate)
                events[name], sent[name] = stats.events, stats.operations
                for process, used in meter.used.items():
                    cpu[f"{name}:{process}"] = cpu.get(f"{name}:{process}", 0.0) + used
                if name == "disordered":
                    if verified_prefix:
                        await delete_indices(client, verified_prefix)
                    verified_prefix = prefix
                else:
                    await delete_indices(client, prefix)
    finally:
        await client.close()
    verified = run_catalog(
        ["verify"], catalog_env(shuffled_database, run.elasticsearch.url, verified_prefix), timeout=1800
    )
    clean = verified.returncode == 0
    ordered, shuffled = median(rates["ordered"]), median(rates["disordered"])
    per_event = {name: round(seconds * 1000 / (events[name.split(":")[0]] * 2), 4) for name, seconds in cpu.items()}
    per_product = {name: sent[name] / products for name in sent}
    run.report.rows += [
        Row(
            "disorder", "shuffled+duplicated vs in-order events/s", "events/s", shuffled, ordered, TARGET, "higher",
            cpu_ms_per_op=per_event,
            note=(
                f"{events['ordered']:,} events in order; {delivered:,} shuffled with {DUPLICATES:.0%} duplicates; "
                f"index operations per product: {per_product['ordered']:.2f} in order, "
                f"{per_product['disordered']:.2f} shuffled"
            ),
        ),
        Row(
            "disorder", "catalog verify clean after disorder", "bool", float(clean), 1.0, 1.0, "higher",
            target_on="value", note=(verified.stdout + verified.stderr).strip()[-200:],
        ),
    ]  # fmt: skip
