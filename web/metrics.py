"""The Prometheus metrics of one ``linli serve`` application, on a registry of its own.

Two kinds: what this process saw (updates handled and their latency, the webhook's
answers, 429s the messenger gave the outbox sender), counted as it happens; and what the
database knows (orders placed, outbox copies sent, failed, waiting), read at each scrape
(core/platform/vitals.py) so every process of a deployment reports the same totals.

The registry is not prometheus_client's global one: each application (a test may make
several) has its own, kept on the WebContext as ``ctx.extras["metrics"]``.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.messaging.outbox.transport import RETRY_AFTER, ButtonRows, SendResult, Transport
from core.platform.vitals import Vitals
from web.context import WebContext

EXTRA = "metrics"
# An update takes a few ms to a few hundred (a checkout on a busy SQLite).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DatabaseCollector(Collector):
    """Yields the last counts read from the database (``Metrics.refresh`` reads them)."""

    def __init__(self) -> None:
        self.vitals: Vitals | None = None

    def collect(self) -> Iterable[Metric]:
        """Nothing until a scrape has read the database; ``linli_database_up`` always."""
        up = GaugeMetricFamily("linli_database_up", "1 when the last scrape reached the database")
        up.add_metric([], 1.0 if self.vitals is not None else 0.0)
        yield up
        if self.vitals is None:
            return
        v = self.vitals
        for name, doc, value in (
            ("linli_orders_placed", "Orders ever placed (all processes)", v.orders_placed),
            ("linli_outbox_sent", "Outbox copies the messenger took", v.outbox_sent),
            ("linli_outbox_failed", "Outbox copies refused for good or blocked", v.outbox_failed),
        ):
            counter = CounterMetricFamily(name, doc)
            counter.add_metric([], float(value))
            yield counter
        backlog = GaugeMetricFamily("linli_outbox_backlog", "Outbox copies waiting to be sent")
        backlog.add_metric([], float(v.outbox_backlog))
        yield backlog


class Metrics:
    """The registry and every metric object of one application."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "linli_updates_handled",
            "Updates the flows handled, by channel and outcome (ok or error)",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "linli_update_seconds",
            "Time from an update reaching the handler to its replies sent",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.webhook = Counter(
            "linli_webhook_requests",
            "Webhook requests by the HTTP status answered (401 secret, 429 busy, 400 bad JSON)",
            ["status"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "linli_outbox_rate_limited",
            "429 (flood control) answers the messenger gave this process's outbox sender",
            registry=self.registry,
        )
        self.database = DatabaseCollector()
        self.registry.register(self.database)

    def observe_update(self, channel: str, seconds: float, ok: bool) -> None:
        """The handler layer's hook: one update handled (bot/handlers/telegram.py)."""
        self.updates.labels(channel, "ok" if ok else "error").inc()
        self.latency.labels(channel).observe(seconds)

    def note_vitals(self, vitals: Vitals | None) -> None:
        """The database's counts for the next exposition (None: the database is away)."""
        self.database.vitals = vitals


def metrics_of(ctx: WebContext) -> Metrics:
    """The application's metrics, made on first use."""
    metrics = ctx.extras.get(EXTRA)
    if metrics is None:
        metrics = ctx.extras[EXTRA] = Metrics()
    return metrics


class CountingTransport:
    """The outbox's transport with every 429 counted (the sender itself keeps no tally
    outside its process's memory)."""

    def __init__(self, inner: Transport, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def send(
        self, chat_id: str, text: str, buttons: ButtonRows, photo_ref: str | None
    ) -> SendResult:
        """Send through the inner transport."""
        return self._count(await self.inner.send(chat_id, text, buttons, photo_ref))

    async def edit(self, chat_id: str, message_id: int, text: str) -> SendResult:
        """Edit through the inner transport."""
        return self._count(await self.inner.edit(chat_id, message_id, text))

    def _count(self, result: SendResult) -> SendResult:
        """Count a flood-control answer; pass every result on unchanged."""
        if result.status == RETRY_AFTER:
            self.metrics.rate_limited.inc()
        return result
