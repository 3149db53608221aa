"""Scheduled fires claimed once: the record that makes a cron job's work happen once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class JobRun(Base):
    """One fire of one job (``fire_key`` = its scheduled business time), claimed by one process.

    The unique (job, fire) pair is what makes a fire that happens twice (two processes
    during a failover, a restart inside the grace window) do its work once.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job_name", "fire_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(80))
    fire_key: Mapped[str] = mapped_column(String(40))
    claimed_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
