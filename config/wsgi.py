import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

application = get_wsgi_application()

# The app's own objects (settings, models, URL patterns and every view and serializer they import, loaded here
# rather than by the first request) live as long as the process: moved out of the garbage collector's reach, a
# full collection scans only what requests made since. Left in, it scanned them all: a pause of about 90 ms every
# few thousand requests (tests/test_wsgi.py), which every request queued behind it waited out, at the p99 of
# bench/leads.py.
get_resolver().url_patterns  # noqa: B018  (imports the URLconf)
gc.collect()
gc.freeze()
