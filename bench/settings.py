"""Settings of the benchmark servers: the base settings with a URLconf that adds the floor and baseline views.

Everything else still comes from the environment, exactly as for the real servers.
"""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
