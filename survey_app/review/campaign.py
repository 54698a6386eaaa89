"""A campaign's configuration for the review pages, read once per content.

``campaigns.services.config_of`` rebuilds its cache key by dumping the stored content as
YAML (about 12 ms a call here), and one review page needs the configuration a dozen times.
This keys on the content as compact JSON instead, which costs a fraction of a millisecond;
a changed campaign has another key, so nothing stale is ever returned.
"""

from __future__ import annotations

import json

from survey_app.campaigns.config import CampaignConfig
from survey_app.campaigns.services import config_of
from survey_app.models.campaigns import Campaign

_MAX = 64
_configs: dict[tuple[str, str], CampaignConfig] = {}


def campaign_config(campaign: Campaign) -> CampaignConfig:
    key = (campaign.key, json.dumps(campaign.config, sort_keys=True, default=str))
    found = _configs.get(key)
    if found is None:
        if len(_configs) >= _MAX:
            _configs.clear()
        found = _configs[key] = config_of(campaign)
    return found
