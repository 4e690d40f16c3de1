from django.apps import AppConfig


class StudiosConfig(AppConfig):
    name = "studios"
    verbose_name = "技能大师工作室"

    def ready(self):
        from studios import signals  # noqa: F401  (stored files removed when their row is deleted)
        from studios.panels import register_panels

        register_panels()
