"""sync partitions: the outbox's partition column, and per-partition checkpoints, leases and worker heartbeats

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 13:30:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# A fresh PostgreSQL outbox starts with 4 partitions (up to 4 workers at once); SQLite has one writer and one host,
# where partitions buy nothing. An existing outbox keeps 1 (every row is in partition 0): no rewrite on upgrade;
# `catalog sync repartition` changes it (docs/sync.md).
FRESH_POSTGRES_PARTITIONS = 4


def _keyed_by_partition(name: str, columns: list[sa.Column[object]]) -> None:
    """Recreates a small bookkeeping table with `partition` in its primary key (the same on SQLite, which cannot
    change a primary key in place, and PostgreSQL); existing rows become partition 0's."""
    op.create_table(
        f'{name}_new',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('partition', sa.Integer(), server_default='0', nullable=False),
        *columns,
        sa.PrimaryKeyConstraint('name', 'partition', name=f'{name}_pkey_partitioned'),
    )
    copied = ', '.join(column.name for column in columns)
    op.execute(f'INSERT INTO {name}_new (name, partition, {copied}) SELECT name, 0, {copied} FROM {name}')
    op.drop_table(name)
    op.rename_table(f'{name}_new', name)


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partition', sa.SmallInteger(), server_default='0', nullable=False))
        batch_op.create_index('outbox_partition_read_order', ['partition', 'txid', 'sequence'], unique=False)
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partition', sa.Integer(), server_default='0', nullable=False))
    _keyed_by_partition('sync_checkpoints', [
        sa.Column('txid', sa.BigInteger(), nullable=False),
        sa.Column('sequence', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    ])
    _keyed_by_partition('sync_leases', [
        sa.Column('owner', sa.String(length=100), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    ])
    op.create_table('sync_workers',
    sa.Column('subscription', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subscription', 'owner')
    )
    partitioning = op.create_table('outbox_partitioning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partitions', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    fresh = bind.execute(sa.text('SELECT NOT EXISTS (SELECT 1 FROM outbox)')).scalar()
    partitions = FRESH_POSTGRES_PARTITIONS if fresh and bind.dialect.name == 'postgresql' else 1
    op.bulk_insert(partitioning, [{'id': 1, 'partitions': partitions, 'updated_at': datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table('outbox_partitioning')
    op.drop_table('sync_workers')
    for name in ('sync_leases', 'sync_checkpoints'):
        op.execute(f'DELETE FROM {name} WHERE partition <> 0')
        with op.batch_alter_table(name, schema=None, recreate='always') as batch_op:
            batch_op.drop_constraint(f'{name}_pkey_partitioned', type_='primary')
            batch_op.drop_column('partition')
            batch_op.create_primary_key(f'{name}_pkey', ['name'])
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_column('partition')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('outbox_partition_read_order')
        batch_op.drop_column('partition')
