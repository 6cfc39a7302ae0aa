"""Settings for a server with the instrumentation of ops/ off, for `bench/ab.py --off`: the production settings
without the metrics middleware, and every metric call of the app a no-op. The same code on and off, side by
side, is what issue 18's cost target compares (a commit from before ops/ differs in other ways too)."""

from bench.instrumentation import METRIC_CALLS
from config.settings.base import *  # noqa: F403
from config.settings.base import MIDDLEWARE as _INSTRUMENTED
from ops import metrics as _metrics

MIDDLEWARE = [name for name in _INSTRUMENTED if name != "ops.middleware.ObservabilityMiddleware"]

for _name in METRIC_CALLS:
    setattr(_metrics, _name, lambda **_: None)
