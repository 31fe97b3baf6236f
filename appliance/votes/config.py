"""The [votes] section of config.toml (kept beside the feature; appliance.config includes it)."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.configfield import setting as _setting


@dataclass
class VotesConfig:
    correction_days: int = _setting(7, "Days the published voter roll stays open for corrections before voting "
                                       "can start.", min=0, max=60)
    objection_days: int = _setting(7, "Days of the objection window (询异) after the preliminary result notice.",
                                   min=0, max=60)
