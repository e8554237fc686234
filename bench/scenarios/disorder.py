"""Disorder: the worker's batch -> bulk path replaying N events delivered shuffled and with 30% duplicates,
against the same events in order, each into a fresh index; then `catalog verify` must find the shuffled
index identical to the write model. Every product has four events (created, stock received, two price
changes), each its own transaction, so every record carries a state and order really matters.

The node's indexing path is warmed first, untimed, as in the sync scenario. A second row, without a target,
compares the shuffled replay with its own physical limit: raw bulk of exactly the documents the replay has to
send (per batch, each product's newest state unless a version as new was acknowledged before), in the same
order. The target's in-order baseline coalesces four events into one document; a shuffled stream cannot
(docs/performance.md, finding 11), and this row shows what the replay costs beyond that."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

from bench import catalog
from bench.measure import CpuMeter, freeze_heap, median
from bench.ours import BATCH_SIZE, deliver_records, read_all
from bench.raw import VersionedDoc, timed_bulk_into_fresh_index, warm_up_indexing
from bench.report import Row
from bench.rows import Rows, insert_rows
from bench.run import Run
from bench.services import catalog_env, run_catalog
from domain.model.catalog import Product
from domain.outbox import OutboxRecord
from domain.storage.engine import create_sync
from domain.storage.migrate import upgrade
from domain.storage.repositories import product_to_row
from domain.storage.unit_of_work import outbox_rows
from read_index.indices import PRODUCTS, create_fresh_index, ensure_indices, swap_alias
from sync.delivery import AcknowledgedVersions
from sync.outbox_reader import prepare

TARGET = 0.7
EVENTS_PER_PRODUCT = 4
DUPLICATES = 0.3


def _history(index: int) -> Rows:
    """Rows of one product's four separate commands: each outbox row carries the state after its event."""
    now = datetime.now(UTC)
    product = Product.create(catalog.product(index, sku_prefix="DIS"), now)
    rows = Rows()
    for step in range(EVENTS_PER_PRODUCT):
        if step == 1:
            product.receive_stock(100, now)
        elif step > 1:
            product.change_price(product.price.amount + Decimal(step), "EUR", None, now)
        rows.outbox.extend(outbox_rows(product))
        product.pending_events.clear()
    rows.products.append(product_to_row(product))
    return rows


def documents_sent(sequence: list[OutboxRecord]) -> list[VersionedDoc]:
    """What the replay of `sequence` writes, in order: each batch's newest state per product, unless a version
    at least as new was acknowledged before (left out by `prepare`, as in the worker)."""
    acknowledged = AcknowledgedVersions(len(sequence))
    sent: list[VersionedDoc] = []
    for low in range(0, len(sequence), BATCH_SIZE):
        ops = prepare(sequence[low : low + BATCH_SIZE], tail=False, acknowledged=acknowledged).ops
        acknowledged.remember(ops)
        sent += [VersionedDoc(op.doc_id, op.version, op.document) for op in ops if op.document is not None]
    return sent


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
                    batch.outbox += rows.outbox
                insert_rows(engine, batch)
                bar.advance(task, min(1_000, products - low))
    finally:
        engine.dispose()


async def run(run: Run) -> None:
    products = max(10, run.settings.disorder_events // EVENTS_PER_PRODUCT)
    database = run.sqlite_url("disorder")
    seed(run, database, products)
    records = await read_all(database)
    rng = random.Random(3)
    disordered = records + rng.sample(records, int(len(records) * DUPLICATES))
    rng.shuffle(disordered)
    sent = documents_sent(disordered)
    freeze_heap()
    prefix = run.prefix("disorder")
    client = run.es_client()
    await ensure_indices(client, prefix)
    probes = run.cpu_probes()
    rates: dict[str, list[float]] = {"ordered": [], "disordered": [], "raw": []}
    cpu: dict[str, float] = {}
    last_disordered_index = ""
    try:
        run.console.log("disorder: warming the node's indexing path (untimed)")
        await warm_up_indexing(client, f"{prefix}-warmup", sent)
        for repetition in range(2):
            for name, sequence in (("ordered", records), ("disordered", disordered)):
                index = await create_fresh_index(client, prefix, PRODUCTS)
                run.console.log(f"disorder: {name} replay of {len(sequence):,} events ({repetition + 1}/2)")
                meter = CpuMeter(probes)
                with meter.measuring():
                    stats = await deliver_records(run, prefix, sequence, {PRODUCTS: index})
                rates[name].append(stats.rate)
                for process, used in meter.used.items():
                    cpu[f"{name}:{process}"] = cpu.get(f"{name}:{process}", 0.0) + used
                if name == "disordered":
                    if last_disordered_index:
                        await client.indices.delete(index=last_disordered_index)
                    last_disordered_index = index
                else:
                    await client.indices.delete(index=index)
            meter = CpuMeter(probes)
            raw_index = f"{prefix}-raw-sent-{repetition}"
            run.console.log(f"disorder: raw bulk of the {len(sent):,} documents the shuffled replay sends")
            seconds = await timed_bulk_into_fresh_index(client, raw_index, sent, meter)
            rates["raw"].append(len(disordered) / seconds)
            for process, used in meter.used.items():
                cpu[f"raw:{process}"] = cpu.get(f"raw:{process}", 0.0) + used
        await swap_alias(client, prefix, PRODUCTS, last_disordered_index)
        await client.indices.refresh(index=last_disordered_index)
    finally:
        await client.close()
    verified = run_catalog(["verify"], catalog_env(database, run.elasticsearch.url, prefix), timeout=1800)
    clean = verified.returncode == 0
    ordered, shuffled = median(rates["ordered"]), median(rates["disordered"])
    per_event = {name: round(seconds * 1000 / (len(records) * 2), 4) for name, seconds in cpu.items()}
    raw = median(rates["raw"])
    run.report.rows += [
        Row(
            "disorder", "shuffled+duplicated vs in-order events/s", "events/s", shuffled, ordered, TARGET, "higher",
            cpu_ms_per_op=per_event,
            note=f"{len(records):,} events in order; {len(disordered):,} shuffled with {DUPLICATES:.0%} duplicates",
        ),
        Row(
            "disorder", "shuffled+duplicated vs raw bulk of the documents it sends", "events/s", shuffled, raw, None,
            "higher", cpu_ms_per_op={k: v for k, v in per_event.items() if not k.startswith("ordered:")},
            note=f"{len(sent):,} documents, {len(sent) / products:.2f} per product; no target (see the docstring)",
        ),
        Row(
            "disorder", "catalog verify clean after disorder", "bool", float(clean), 1.0, 1.0, "higher",
            target_on="value", note=(verified.stdout + verified.stderr).strip()[-200:],
        ),
    ]  # fmt: skip
