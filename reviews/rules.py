"""Permissions of the channel pre-review (django-rules).

Acting on one application (return, reject, recommend, unrecommend) is
`studios.prereview_application`, checked on the case by the transition itself; here are the
pages around it.
"""

import rules

from portal.rules import is_channel_officer, is_city_staff
from studios.rules import is_channel_reviewer, is_past_draft

# The queue, the dashboard panel and the 推荐汇总表: channel officers, and the city bureau for the
# direct-to-city channel (portal.rules.reviews_channel).
is_prereviewer = is_channel_officer | is_city_staff

rules.add_perm("reviews.view_queue", is_prereviewer)
rules.add_perm("reviews.review_application", is_channel_reviewer & is_past_draft)
rules.add_perm("reviews.export_recommendations", is_prereviewer)
