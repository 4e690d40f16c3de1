from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "平台基础"

    def ready(self):
        from portal import security, signals  # noqa: F401  (auth events → audit log; session stamps)
        from portal.panels import register_panels

        register_panels()
