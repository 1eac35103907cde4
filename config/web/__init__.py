"""The web side's shared door: who may use the HTML pages (product and marketing, never
integration accounts), the login page and the access decorator every page view uses.

Knows no app: pages of roadmap, signals and scoring import `web_user_required` from here.
"""

from config.web.access import WEB_ROLES, can_use_web, web_user_required

__all__ = ["WEB_ROLES", "can_use_web", "web_user_required"]
