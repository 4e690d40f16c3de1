from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "审核评审"

    def ready(self):
        from portal import dashboard
        from portal.enums import Role
        from reviews.panels import prereview_panel

        # Channel officers, and the city officer for the direct-to-city channel.
        dashboard.register(Role.CHANNEL, prereview_panel)
        dashboard.register(Role.CITY_OFFICER, prereview_panel)
