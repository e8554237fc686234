"""How one sync worker behaves: batch bounds, polling, the lease, retries. Defaults suit the embedded setup."""

from __future__ import annotations

from dataclasses import dataclass

from read_index.indices import SINGLE_NODE, IndexLayout

SUBSCRIPTION = "read-models"
PARTITIONED_SUBSCRIPTIONS = frozenset({SUBSCRIPTION})
"""Subscriptions `catalog sync status` reads partition by partition unless told; any other is read as the whole
outbox in its partition 0 (the webhook delivery, for now)."""


@dataclass(frozen=True, slots=True)
class SyncOptions:
    subscription: str = SUBSCRIPTION
    """Names the checkpoints, the leases and the applied-position documents."""
    partitioned: bool = True
    """Read the outbox partition by partition (a checkpoint and lease each); off: the whole outbox as partition 0."""
    batch_size: int = 1000
    """Most outbox records per batch, hence per `_bulk` request."""
    max_batch_bytes: int = 8 * 1024 * 1024
    """Most bytes of aggregate state per batch; a batch closes at whichever bound comes first."""
    bulks_in_flight: int = 2
    """`_bulk` requests sent before the oldest is acknowledged; batches are still committed strictly in order."""
    remembered_versions: int = 100_000
    """Documents whose acknowledged version the deliverer remembers, to drop operations Elasticsearch would refuse
    as stale before sending them (about 150 bytes each; 0 turns it off)."""
    linger_seconds: float = 0.0
    """How long a batch that is not full waits for more records. 0: ship at once (lowest latency; while a bulk
    is in flight the next batch fills by itself)."""
    poll_seconds: float = 0.1
    """When idle, how often the outbox is looked at; `SyncWorker.wake()` cuts the wait short."""
    idle_advance_seconds: float = 1.0
    """How often, at most, a partition without new records records that its reads reached a newer horizon while
    other partitions hold records beyond it, so that a read waiting on every partition (an older token) is never
    held back by an idle one for much longer than this."""
    lease_seconds: float = 15.0
    """A lease not renewed for this long may be taken over by a standby worker; renewed every third of it."""
    share_seconds: float = 1.0
    """How often a worker renews its heartbeat and reconsiders its share of the partitions (gives surplus back,
    claims free ones), at most every third of `lease_seconds`: a worker joining, or a partition given back, is
    settled within about this long, rather than a lease renewal's period."""
    max_attempts: int = 5
    """Tries of an operation Elasticsearch refuses as invalid before its record goes to the dead letters."""
    backoff_base_seconds: float = 0.1
    backoff_cap_seconds: float = 30.0
    give_up_after_seconds: float | None = None
    """How long an outage of either store is waited out before giving up with `OutageTooLong` (the check comes
    with each retry, so at most one backoff later). None: as long as it takes, as the live worker does;
    `catalog reindex` gives up after its --max-outage-seconds."""
    status_seconds: float = 5.0
    """How often the backlog gauges (events and seconds behind, dead letters) are recomputed."""
    index_layout: IndexLayout = SINGLE_NODE
    """Shards and replicas of the indices the worker (or a rebuild) creates; replicas also of existing ones."""
    searchable: bool = False
    """Record the applied position only once the documents are searchable (refreshing the touched indices when
    the worker is tailing, at most once a second while catching up). Off by default: the API's consistency gate
    refreshes on demand when a search waits for a token, which costs less than refreshing after every batch."""

    def __post_init__(self) -> None:
        if min(self.batch_size, self.max_batch_bytes, self.max_attempts, self.bulks_in_flight) < 1:
            raise ValueError("batch_size, max_batch_bytes, max_attempts and bulks_in_flight must be positive")
        if self.remembered_versions < 0:
            raise ValueError("remembered_versions must not be negative")
        if min(self.poll_seconds, self.lease_seconds, self.backoff_base_seconds, self.share_seconds) <= 0:
            raise ValueError("poll_seconds, lease_seconds, share_seconds and backoff_base_seconds must be positive")
        if self.give_up_after_seconds is not None and self.give_up_after_seconds <= 0:
            raise ValueError("give_up_after_seconds must be positive (or None: never give up)")
        if self.backoff_cap_seconds < self.backoff_base_seconds:
            raise ValueError("backoff_cap_seconds must be at least backoff_base_seconds")
