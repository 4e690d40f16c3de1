"""The application workflow as data: who may move a case from which status to which.

Only the first stages (unit filing and channel pre-review) are live; the city's stages are
declared with the statuses they will use when that work lands.
"""

from django.utils.translation import gettext_lazy as _

from portal.workflow import Transition, Workflow
from studios.enums import ApplicationStatus as S

APPLICATION_WORKFLOW = Workflow(
    name="application",
    transitions=[
        Transition("submit", {S.DRAFT, S.RETURNED}, S.SUBMITTED, "studios.submit_application",
                   _("提交申报"), confirm=_("提交后在初审结束前不能修改，确认提交？")),
        Transition("withdraw", {S.DRAFT, S.SUBMITTED, S.RETURNED}, S.WITHDRAWN, "studios.withdraw_application",
                   _("撤回申报"), requires_reason=True, style="outline-danger",
                   confirm=_("撤回后本年度该申报结束，确认撤回？")),
        Transition("return", {S.SUBMITTED}, S.RETURNED, "studios.prereview_application",
                   _("退回修改"), requires_reason=True, style="outline-warning"),
        Transition("reject", {S.SUBMITTED}, S.CHANNEL_REJECTED, "studios.prereview_application",
                   _("初审不通过"), requires_reason=True, style="outline-danger",
                   confirm=_("初审不通过后本年度申报结束，确认？")),
        Transition("recommend", {S.SUBMITTED}, S.RECOMMENDED, "studios.prereview_application",
                   _("推荐"), style="success"),
        Transition("unrecommend", {S.RECOMMENDED}, S.SUBMITTED, "studios.prereview_application",
                   _("撤销推荐"), requires_reason=True, style="outline-secondary"),
    ],
)
