"""Hourly aggregates of readings, kept in memory and written in one batch.

The SD card is the box's weakest part: a reading every few seconds from dozens of sensors
must not become a row each. Readings add to (count, sum, min, max, last) per device, metric
and hour; :meth:`HourBuffer.flush` upserts them in one transaction, merging with what an
earlier flush of the same hour wrote."""

from __future__ import annotations

import datetime
import logging
import threading

from appliance.db.models import DeviceHour

logger = logging.getLogger(__name__)


def hour_of(at: datetime.datetime) -> datetime.datetime:
    return at.replace(minute=0, second=0, microsecond=0)


class HourBuffer:
    def __init__(self, db):
        self.db = db
        self._cells: dict[tuple[int, str, datetime.datetime], list] = {}
        self._lock = threading.Lock()
        self.rows_written = 0

    def add(self, device_id: int, metric: str, value: float, at: datetime.datetime) -> None:
        key = (device_id, metric, hour_of(at))
        value = float(value)
        with self._lock:
            cell = self._cells.get(key)
            if cell is None:
                self._cells[key] = [1, value, value, value, value]
            else:
                cell[0] += 1
                cell[1] += value
                cell[2] = min(cell[2], value)
                cell[3] = max(cell[3], value)
                cell[4] = value

    def add_many(self, device_id: int, values: dict, at: datetime.datetime) -> None:
        """Several metrics of one reading under one lock (the ingest path)."""
        hour = hour_of(at)
        cells = self._cells
        with self._lock:
            for metric, value in values.items():
                value = float(value)
                cell = cells.get((device_id, metric, hour))
                if cell is None:
                    cells[(device_id, metric, hour)] = [1, value, value, value, value]
                else:
                    cell[0] += 1
                    cell[1] += value
                    if value < cell[2]:
                        cell[2] = value
                    if value > cell[3]:
                        cell[3] = value
                    cell[4] = value

    def pending(self) -> int:
        with self._lock:
            return len(self._cells)

    def flush(self) -> int:
        """Write what is waiting; returns the number of rows touched. On a database error the
        cells go back into the buffer (merged with what arrived meanwhile)."""
        with self._lock:
            cells, self._cells = self._cells, {}
        if not cells:
            return 0
        try:
            with self.db.atomic():
                for (device_id, metric, hour), (n, total, low, high, last) in cells.items():
                    row = DeviceHour.get_or_none(DeviceHour.device == device_id, DeviceHour.metric == metric,
                                                 DeviceHour.hour == hour)
                    if row is None:
                        DeviceHour.create(device=device_id, metric=metric, hour=hour, n=n, total=total, low=low,
                                          high=high, last=last)
                    else:
                        DeviceHour.update(n=row.n + n, total=row.total + total, low=min(row.low, low),
                                          high=max(row.high, high), last=last).where(
                            DeviceHour.device == device_id, DeviceHour.metric == metric,
                            DeviceHour.hour == hour).execute()
        except Exception:
            with self._lock:
                for key, cell in cells.items():
                    mine = self._cells.get(key)
                    if mine is None:
                        self._cells[key] = cell
                    else:
                        mine[0] += cell[0]
                        mine[1] += cell[1]
                        mine[2] = min(mine[2], cell[2])
                        mine[3] = max(mine[3], cell[3])
            raise
        self.rows_written += len(cells)
        return len(cells)
