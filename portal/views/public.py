from django.views.generic import TemplateView

from portal.access import PublicMixin
from portal.selectors import current_campaign


class HomeView(PublicMixin, TemplateView):
    """Public home page: the current campaign and its deadlines."""

    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["campaign"] = current_campaign()
        return context
