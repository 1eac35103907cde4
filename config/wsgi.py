import gc
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Everything loaded so far (Django, the apps, the URL and serializer machinery) lives as
# long as the process: frozen, it is left out of the collector's full passes, which
# otherwise cost a bulk request of 1,000 records about 250 ms of CPU when one lands on it.
gc.freeze()

# Serving with a throwaway key would log every user out on each restart and sign nothing
# that another worker can verify: fail at start instead.
if not settings.SECRET_KEY_CONFIGURED:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
