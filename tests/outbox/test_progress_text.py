"""The owner's status message in their language: progress while sending, then the report."""

from __future__ import annotations

from bot.messages.outbox import progress_text
from core.messaging.outbox.enqueue import progress_of


def test_progress_reads_sent_out_of_those_to_send_and_the_blocked():
    counts = progress_of({"sent": 1200, "pending": 3787, "blocked": 3, "opted_out": 10})

    assert (
        progress_text("en", counts, False) == "📣 Sending: 1,200 / 4,990 sent · 3 blocked the bot"
    )
    assert progress_text("zh_CN", counts, False) == (
        "📣 发送中：已发送 1,200 / 4,990 · 3 人已屏蔽机器人"
    )


def test_the_delivery_report_counts_every_outcome():
    counts = progress_of({"sent": 4980, "blocked": 3, "failed": 2, "opted_out": 15})

    assert progress_text("en", counts, True).splitlines() == [
        "📣 Delivery report",
        "Delivered: 4,980",
        "Blocked the bot: 3",
        "Could not be delivered: 2",
        "Opted out of these messages: 15",
    ]
    assert progress_text("zh_CN", counts, True).splitlines()[1] == "已送达：4,980"
