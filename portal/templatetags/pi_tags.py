"""`{% pi_field obj "field" %}`: a masked personal-information value with an audited reveal button."""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse

from portal.pi import get_revealable, masked_value

register = template.Library()


@register.simple_tag(takes_context=True)
def pi_field(context, obj, field: str):
    request = context.get("request")
    entry = get_revealable(obj._meta.label, field)
    can_reveal = bool(
        entry and request is not None and getattr(obj, field) and request.user.has_perm(entry.permission, obj)
    )
    url = reverse("portal:reveal", kwargs={"model_label": obj._meta.label, "object_id": str(obj.pk), "field": field})
    return render_to_string(
        "portal/pi/masked.html",
        {"masked": masked_value(obj, field), "can_reveal": can_reveal, "url": url},
        request=request,
    )
