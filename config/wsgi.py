import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Serving with a throwaway key would log every user out on each restart and sign nothing
# that another worker can verify: fail at start instead.
if not settings.SECRET_KEY_CONFIGURED:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
