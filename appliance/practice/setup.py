"""Practice feature: the rooms, closed (and their folders removed) when Linli stops."""

from __future__ import annotations

import shutil

from appliance.features import Context, Feature
from appliance.practice.rooms import PracticeRooms


class PracticeFeature(Feature):
    name = "practice"

    def __init__(self, rooms: PracticeRooms):
        super().__init__()
        self.rooms = rooms


def setup(ctx: Context) -> PracticeFeature:
    rooms = PracticeRooms(ctx.config)
    shutil.rmtree(rooms.root, ignore_errors=True)  # left by a crash: practice never survives a restart
    feature = PracticeFeature(rooms)
    feature.on_close(rooms.close)
    return feature
