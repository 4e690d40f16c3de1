"""#23 Masking on display: crawl every page, export and Annex 1 PDF as every persona, over a world
whose applications carry checksum-valid 18-digit ID numbers and mobile numbers, and regex-scan
what each persona receives.

- A full ID number or mobile number appears nowhere, except in the Annex 1 PDF of a reader who
  holds the reveal permission on that case (`studios.reveal_lead_id`, audited as REVEAL) and the
  audited reveal response itself (portal/views/pi.py, a POST the crawl does not make).
- Every masked ID shown has the format `^\\d{3}\\*{11}[\\dX]{4}$`; every masked mobile `1xx****xxxx`.
- The expert personas and anonymous visitors (the public pages) see no ID, phone or address of an
  applicant, masked or not.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import Unit
from portal.validators import id_check_char
from reviews.services import application_recommend
from studios.models import Application
from tests.factories.studios import draft, lead_id
from tests.helpers import PERSONAS, login
from tests.security.crawl import Crawler, page_strings, parse_html, pdf_text, xlsx_cells

pytestmark = pytest.mark.django_db

# GB 11643: 6-digit region, birth date, 3-digit sequence, check character; not part of a longer token.
ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                   r"(?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
# Anything that looks masked: digits/X around a run of asterisks.
MASK_TOKEN = re.compile(r"[\dX]*\*{3,}[\dX]*")
ID_MASK = re.compile(r"^\d{3}\*{11}[\dX]{4}$")
PHONE_MASK = re.compile(r"^1\d{2}\*{4}\d{4}$|^0\d{2,3}\*+\d{2}$")
EXPERTS_AND_PUBLIC = ("anonymous", "expert", "unassigned_expert")
PDF_READERS = ("unit", "channel", "city_approver", "auditor")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def full_ids(text: str) -> set[str]:
    """Checksum-valid ID numbers in `text`."""
    return {m.upper() for m in ID_RE.findall(text) if id_check_char(m[:17]) == m[17].upper()}


class Scan:
    """Findings of the whole crawl, by kind."""

    def __init__(self, world):
        apps = list(Application.objects.exclude(lead_id_number=""))
        self.ids = {a.lead_id_number for a in apps}
        self.phones = {a.lead_phone for a in apps if a.lead_phone}
        self.addresses = {a.lead_address for a in apps if a.lead_address}
        for unit in (world.unit_a, world.unit_b, world.unit_direct):
            unit.refresh_from_db()
            self.phones.add(unit.contact_phone)
            self.addresses.add(unit.address)
        self.problems: list[str] = []
        self.id_masks = 0

    def check(self, where: str, text: str, *, full_allowed: bool = False, no_pi: bool = False) -> None:
        ids = full_ids(text) | {n for n in self.ids if n in text}
        phones = set(MOBILE_RE.findall(text)) | {p for p in self.phones if p in text}
        if not full_allowed and ids:
            self.problems.append(f"{where}: full ID {sorted(ids)}")
        if not full_allowed and phones:
            self.problems.append(f"{where}: full phone {sorted(phones)}")
        masks = [t for t in MASK_TOKEN.findall(text) if re.search(r"\d", t)]
        for token in masks:
            if ID_MASK.match(token):
                self.id_masks += 1
            elif not PHONE_MASK.match(token):
                self.problems.append(f"{where}: malformed mask {token!r}")
        if no_pi:
            if masks:
                self.problems.append(f"{where}: masked PI shown to expert/public {masks}")
            leaked = sorted(a for a in self.addresses if a in text)
            if leaked:
                self.problems.append(f"{where}: address shown to expert/public {leaked}")


def test_no_full_id_outside_the_reveal_and_no_pi_for_experts_or_public(world):
    crawler = Crawler(world)  # runs the policy's world hooks: submitted cases in three channels
    application_recommend(application=world.application, actor=world.users["channel"], rank=1,
                          opinion="材料齐全，同意推荐。")
    application_recommend(application=world.other_application, actor=world.users["other_channel"], rank=1,
                          opinion="同意推荐。")
    # A complete draft: the unit's own edit form holds an ID number and a phone.
    editable = draft(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"], complete=True)
    extra = {"unit": [reverse("studios:application-step", args=[editable.pk, key]) for key in ("lead", "review")]}
    scan = Scan(world)
    assert len(scan.ids) >= 4 and all(len(n) == 18 for n in scan.ids)
    pages = exports = pdfs = 0
    reveal_pdfs = 0
    for persona in PERSONAS:
        no_pi = persona in EXPERTS_AND_PUBLIC
        result = crawler.crawl(persona, extra.get(persona, []))
        for page in result.pages:
            where = f"{persona} {page.path}"
            if page.is_html:
                pages += 1
                # Scan both the raw HTML and the decoded text/attribute values.
                scan.check(where, page.text + "\n".join(page_strings(parse_html(page.text))), no_pi=no_pi)
            else:
                scan.check(where, page.text, no_pi=no_pi)
        client = crawler.client(persona)
        # Every export; one Annex 1 PDF for each kind of reader (a render takes about a second):
        # the applicant, its channel, the city (reveal permission) and the auditor (none).
        files = sorted(p for p in result.files if "/export/" in p)
        if persona in PDF_READERS:
            files += sorted(p for p in result.files if p.endswith("/pdf/"))[:1]
        for path in files:
            response = client.get(path)
            if response.status_code != 200:
                continue
            where = f"{persona} {path}"
            content_type = response["Content-Type"]
            if content_type == XLSX:
                exports += 1
                text = "\n".join(str(cell.value) for cell in xlsx_cells(response.content))
                assert text.strip(), f"{where}: empty export"
                scan.check(where, text, no_pi=no_pi)
            elif content_type == "application/pdf" and "/pdf/" in path:
                pdfs += 1
                app = Application.objects.get(pk=int(path.split("/")[-3]))
                user = world.user(persona)
                may_reveal = user is not None and user.has_perm("studios.reveal_lead_id", app)
                text = pdf_text(response.content)
                scan.check(where, text, full_allowed=may_reveal, no_pi=no_pi)
                if may_reveal:
                    reveal_pdfs += 1
                    assert app.lead_id_number in text, f"{where}: reveal reader's PDF lacks the full ID"
                else:
                    assert app.lead_id_number[:3] + "*" * 11 + app.lead_id_number[-4:] in text, where
    assert scan.problems == [], "\n".join(scan.problems)
    assert scan.id_masks > 0 and exports >= 3 and pdfs == len(PDF_READERS) and reveal_pdfs == pdfs - 1
    print(f"FIGURE #23: 0 full IDs outside the reveal view; 0 PI fields in expert and public views "
          f"({pages} pages, {exports} exports, {pdfs} PDFs of which {reveal_pdfs} for reveal readers; "
          f"{scan.id_masks} masked IDs all ^\\d{{3}}\\*{{11}}[\\dX]{{4}}$)")


def test_edit_forms_show_identifiers_masked_and_keep_them_when_unchanged(world):
    """The unit's lead-person step and the officer's unit form print the stored ID number and phone
    masked; posting the masked value back keeps the stored value, a new value replaces it."""
    from tests.policy import apply_world_hooks
    from tests.policy.portal import unit_data

    apply_world_hooks("studios", world)  # opens the filing window now
    app = draft(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"], complete=True)
    stored_id = app.lead_id_number
    unit = login(Client(), world.users["unit"])
    lead = reverse("studios:application-step", args=[app.pk, "lead"])
    page = parse_html(unit.get(lead).content.decode())
    values = {el.get("name"): el.get("value") for el in page.iter("input") if el.get("name")}
    assert (values["lead_id_number"], values["lead_phone"]) == (stored_id[:3] + "*" * 11 + stored_id[-4:],
                                                                "138****0168")
    selects = {el.get("name"): next((o.get("value") for o in el.iter("option") if o.get("selected") is not None), "")
               for el in page.iter("select")}
    data = {**values, **selects, "lead_name": "改过的姓名"}
    assert unit.post(lead, data).status_code == 302
    app.refresh_from_db()
    assert (app.lead_name, app.lead_id_number, app.lead_phone) == ("改过的姓名", stored_id, "13805290168")
    new_id = lead_id(777)
    assert unit.post(lead, {**data, "lock_version": app.lock_version, "lead_id_number": new_id}).status_code == 302
    app.refresh_from_db()
    assert (app.lead_id_number, app.lead_phone) == (new_id, "13805290168")

    officer = login(Client(), world.users["city_officer"])
    unit_a = Unit.objects.get(pk=world.unit_a.pk)
    edit = reverse("portal:unit-update", args=[unit_a.pk])
    page = parse_html(officer.get(edit).content.decode())
    shown = next(el.get("value") for el in page.iter("input") if el.get("name") == "contact_phone")
    assert shown == unit_a.contact_phone[:3] + "****" + unit_a.contact_phone[-4:]
    response = officer.post(edit, unit_data(unit_a, contact_phone=shown, address="镇江市京口区学府路9号"))
    assert response.status_code == 302
    unit_a.refresh_from_db()
    assert (unit_a.contact_phone, unit_a.address) == (world.unit_a.contact_phone, "镇江市京口区学府路9号")
