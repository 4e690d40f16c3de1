"""portal.pdf / portal.fonts: text, fonts, fetcher, stamp, pagination (docs/pdf.md).

The module builds its own small base fonts (the sample's characters minus 䶮 and 𠮷, ≈2 s) in a
temporary PDF_FONT_DIR, so it neither depends on nor disturbs var/fonts; 䶮 and 𠮷 therefore go
through the per-document supplement, exactly as they do with the full build.
"""

from __future__ import annotations

import datetime
import io
import logging
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import override_settings
from pypdf import PdfReader

from portal import fonts
from portal.pdf import (
    BASE_URL,
    STATIC_DIR,
    RefusedURL,
    content_hash,
    render_pdf,
    resolve_url,
    sample_context,
    url_fetcher,
)

RARE = "堃喆䶮𠮷"
STAMP = {"case_number": "ZJ-JNDS-2025-0137", "version": "v3"}
WS = re.compile(r"\s+")


def squash(text: str) -> str:
    return WS.sub("", text)


def strings(value):
    """Every string/number a user could have typed into the sample context."""
    if isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings(v)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | str):
        text = squash(str(value))
        if text:
            yield text


def templates_with(extra_dir: Path) -> list[dict]:
    engine = {**settings.TEMPLATES[0], "DIRS": [extra_dir, *settings.TEMPLATES[0]["DIRS"]]}
    return [engine, *settings.TEMPLATES[1:]]


# ------------------------------------------------------------------ fixtures --


def small_charset() -> set[int]:
    """The sample's characters (and the footer's) except 䶮 and 𠮷."""
    html = render_to_string(
        "pdf/sample.html",
        {**sample_context(), "pdf_stamp": {"case_number": "x", "version": "x", "content_hash": "0"}},
    )
    charset = {ord(c) for c in html} | set(range(0x20, 0x7F)) | {ord(c) for c in "第页共—"}
    return charset - {0x4DAE, 0x20BB7}


@pytest.fixture(scope="module")
def font_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("pdf-fonts")
    fonts.build_fonts(directory, charset=small_charset(), log=lambda *a: None)
    return directory


@pytest.fixture
def use_fonts(font_dir, settings):
    settings.PDF_FONT_DIR = str(font_dir)
    return font_dir


@pytest.fixture(scope="module")
def sample_pdf(font_dir) -> bytes:
    with override_settings(PDF_FONT_DIR=str(font_dir)):
        return render_pdf("pdf/sample.html", sample_context(), stamp=STAMP)


@pytest.fixture(scope="module")
def sample_pages(sample_pdf) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(sample_pdf)).pages]


def embedded(pdf: bytes) -> tuple[list[str], list[str]]:
    """(names of embedded files, subtypes of file-attachment annotations), parsed (the PDF's
    objects sit in compressed object streams, so raw byte searches would prove nothing)."""
    reader = PdfReader(io.BytesIO(pdf))
    names = list(reader.attachments)
    if "/EmbeddedFiles" in reader.trailer["/Root"].get("/Names", {}):
        names.append("/EmbeddedFiles")
    annots = [
        str(a.get_object()["/Subtype"]) for page in reader.pages for a in page.get("/Annots", [])
        if a.get_object()["/Subtype"] == "/FileAttachment"
    ]
    return names, annots


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def font_descriptors(pdf: bytes):
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descendant = descendant.get_object()
                yield str(descendant["/BaseFont"]), descendant["/FontDescriptor"].get_object()


# ---------------------------------------------------------------------- text --


def test_every_typed_string_and_label_is_extractable(sample_pages):
    text = "".join(sample_pages)
    missing = [s for s in strings(sample_context()) if s not in text]
    assert not missing, missing[:10]
    for char in RARE:
        assert char in text
    labels = ["镇江市技能大师工作室", "申报表", "领衔人（创办人）", "政治面貌", "身份证号", "领衔人变更",
              "突出业绩", "获奖项目", "授予单位", "领办或创办人主要工作业绩", "申报单位意见",
              "（盖章）", "专家组长签字：", "市人力资源和社会保障局审批意见"]
    for label in labels:
        assert label in text, label


def test_long_paragraph_is_extractable_in_one_piece(sample_pages):
    paragraph = squash(sample_context()["leader"]["achievements"][0])
    assert len(paragraph) > 300
    assert any(paragraph in page for page in sample_pages)


# --------------------------------------------------------------------- fonts --


def test_fonts_are_embedded_and_nothing_else_is(sample_pdf):
    names = []
    for name, descriptor in font_descriptors(sample_pdf):
        names.append(name)
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, name
    assert any("PDF-Song" in n for n in names), names
    assert any("PDF-Extra" in n for n in names), names  # 䶮 𠮷 came from the supplement
    assert not any("Noto" in n for n in names), names  # never the full 20 MB collection
    assert embedded(sample_pdf) == ([], [])
    assert len(sample_pdf) < 1_000_000


def test_supplement_is_tiny_and_cached(use_fonts):
    prepared = fonts.prepared_fonts()
    assert prepared is not None
    first = fonts.supplement_fonts(set("李䶮𠮷"), prepared)
    assert [w for w, _ in first] == [400, 700]
    for _, path in first:
        assert path.stat().st_size < 20_000
    started = time.perf_counter()
    assert fonts.supplement_fonts(set("𠮷䶮李"), prepared) == first
    assert time.perf_counter() - started < 0.1
    assert fonts.supplement_fonts(set("李张 abc"), prepared) == []


def test_build_is_idempotent_and_detects_damage(use_fonts):
    song = use_fonts / "pdf-song-regular.ttf"
    mtime = song.stat().st_mtime_ns
    started = time.perf_counter()
    fonts.build_fonts(use_fonts, charset=small_charset(), log=lambda *a: None)
    assert time.perf_counter() - started < 1.0
    assert song.stat().st_mtime_ns == mtime
    assert fonts.fonts_current(use_fonts)
    data = song.read_bytes()
    try:
        song.write_bytes(data[:-4] + b"\0\0\0\0")
        assert not fonts.fonts_current(use_fonts)
    finally:
        song.write_bytes(data)
    assert fonts.fonts_current(use_fonts)


def test_charset_covers_gb2312_and_common_name_characters():
    charset = fonts.common_charset()
    assert len(charset) > 7500
    for char in "镇江市技能大师工作室，。“”（）《》—…０Ａ①□" + "堃喆":
        assert ord(char) in charset, char
    assert 0x4DAE not in charset and 0x20BB7 not in charset  # supplement path


def test_real_font_dir_if_built():
    prepared = fonts.prepared_fonts(Path(settings.PDF_FONT_DIR))
    if prepared is None:
        pytest.skip("manage.py build_pdf_fonts has not run")
    assert {f[0] for f in prepared.faces} == {"PDF Song", "PDF Hei"}
    for char in "镇江市人力资源和社会保障局堃喆":
        assert ord(char) in prepared.coverage, char


@pytest.mark.slow
def test_renders_without_built_fonts_on_system_noto(settings, tmp_path, caplog):
    settings.PDF_FONT_DIR = str(tmp_path)
    context = {"members": [{"name": n, "qualification": "技师", "age": 30, "achievement": "攻关"}
                           for n in ("张堃", "王喆", "李䶮", "𠮷田晓")]}
    with caplog.at_level(logging.WARNING, logger="portal.pdf"):
        pdf = render_pdf("pdf/sample.html", context, stamp=STAMP)
    assert "build_pdf_fonts" in caplog.text
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for char in RARE:
        assert char in text


# --------------------------------------------------------------- url fetcher --


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:5432/",
        "https://example.com/pdf.css",
        "data:text/css,body{color:red}",
        BASE_URL + "../portal/settings/base.py",
        BASE_URL + "%2e%2e/pyproject.toml",
        BASE_URL + "pdf/does-not-exist.css",
        "file://evil-host" + str(STATIC_DIR / "pdf" / "pdf.css"),
        "ftp://127.0.0.1/x",
    ],
)
def test_fetcher_refuses(url, caplog):
    fetcher = url_fetcher()
    with caplog.at_level(logging.WARNING, logger="portal.pdf"), pytest.raises(RefusedURL):
        fetcher(url)
    assert "refused URL" in caplog.text


@pytest.mark.parametrize("url", [BASE_URL + "pdf/pdf.css", "file:///static/pdf/pdf.css", "pdf.css"])
def test_fetcher_serves_static(url):
    from urllib.parse import urljoin

    url = urljoin(BASE_URL + "pdf/", url)
    response = url_fetcher()(url)
    assert response.read() == (STATIC_DIR / "pdf" / "pdf.css").read_bytes()
    assert response.content_type == "text/css"


def test_fetcher_serves_font_dir(use_fonts):
    path = use_fonts / "pdf-song-regular.ttf"
    assert resolve_url(path.as_uri()) == path.resolve()


def test_hostile_template_renders_without_leaking_or_attaching(use_fonts, settings, tmp_path, caplog):
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "hostile.html").write_text(
        """{% extends "pdf/base.html" %}
{% block extra_head %}
<link rel="stylesheet" href="http://127.0.0.1:5432/x.css">
<link rel="attachment" href="pdf/pdf.css" title="leak">
{% endblock %}
{% block content %}
<p>正文内容</p>
<img src="file:///etc/passwd" alt="">
<img src="../../portal/settings/base.py" alt="">
<a rel="attachment" href="pdf/pdf.css">附件</a>
<div style="background: url(data:image/png;base64,iVBORw0KGgo=)"></div>
{% endblock %}""",
        encoding="utf-8",
    )
    settings.TEMPLATES = templates_with(tmp_path)
    with caplog.at_level(logging.WARNING, logger="portal.pdf"):
        pdf = render_pdf("pdf/hostile.html", {}, stamp=STAMP)
    refused = [r.getMessage() for r in caplog.records if "refused URL" in r.getMessage()]
    assert any("127.0.0.1:5432" in m for m in refused)
    assert any("/etc/passwd" in m for m in refused)
    assert any("data:" in m for m in refused)
    assert embedded(pdf) == ([], [])
    assert image_count(pdf) == 0
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "正文内容" in text and "root:" not in text


def test_plain_weasyprint_would_have_attached(use_fonts, settings, tmp_path):
    """Guards the test above: the attachment links do embed files unless we drop them."""
    from weasyprint import HTML

    html = ('<html><head><link rel="attachment" href="pdf/pdf.css"></head>'
            '<body><a rel="attachment" href="pdf/pdf.css">附件</a></body></html>')
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).write_pdf()
    assert embedded(pdf) == (["pdf.css", "/EmbeddedFiles"], ["/FileAttachment"])


# --------------------------------------------------------------------- stamp --


def test_stamp_on_every_page(sample_pages):
    digest = content_hash(sample_context())
    assert len(sample_pages) >= 3
    for number, page in enumerate(sample_pages, start=1):
        assert "案号：ZJ-JNDS-2025-0137" in page, number
        assert "版本：v3" in page, number
        assert f"内容校验：{digest}" in page, number
        assert f"第{number}页/共{len(sample_pages)}页" in page, number


@pytest.fixture
def tiny_template(use_fonts, settings, tmp_path) -> str:
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "tiny.html").write_text(
        '{% extends "pdf/base.html" %}{% block content %}<p>{{ body }}</p>'
        '<h1>{{ title }}</h1><p><b>{{ bold }}</b></p>{% endblock %}',
        encoding="utf-8",
    )
    settings.TEMPLATES = templates_with(tmp_path)
    return "pdf/tiny.html"


def test_rare_characters_in_successive_documents(tiny_template):
    """Supplements accumulate in the thread's shared font configuration: each document
    must still get every one of its own characters, in regular, bold and 黑体 text."""
    for rare in ("䶮", "𠮷㐀", "䶮龘", "𠮷"):
        pdf = render_pdf(tiny_template, {"body": f"甲{rare}乙", "title": f"丙{rare}", "bold": f"丁{rare}"})
        text = squash(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
        assert f"甲{rare}乙" in text and f"丙{rare}" in text and f"丁{rare}" in text, rare
        for name, descriptor in font_descriptors(pdf):
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, name


def test_character_no_installed_font_has_does_not_break_the_render(tiny_template, caplog):
    """𪚥 (U+2A6A5) is in no Noto CJK face: WeasyPrint draws .notdef and says so."""
    with caplog.at_level(logging.WARNING):
        pdf = render_pdf(tiny_template, {"body": "甲𪚥乙䶮"})
    assert "U+2A6A5" in caplog.text
    assert "䶮" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_stamp_hash_sources(tiny_template):
    def footer(**stamp):
        pdf = render_pdf(tiny_template, {"body": "内容"}, stamp=stamp or None)
        return squash(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())

    assert f"内容校验：{content_hash({'body': '内容'})}" in footer(case_number="A-1", version=1)
    assert f"内容校验：{content_hash(content='正文')}" in footer(case_number="A-1", version=1, content="正文")
    text = footer(case_number="A-1", version=2, content_hash="abc123def456")
    assert "案号：A-1" in text and "版本：2" in text and "内容校验：abc123def456" in text
    assert "案号：—" in footer()  # no stamp: hash still printed


def test_content_hash_is_canonical():
    a = {"b": [1, 2], "a": {"y": "镇江", "x": Decimal("1.50")}, "d": datetime.date(2025, 5, 20)}
    b = {"d": datetime.date(2025, 5, 20), "a": {"x": Decimal("1.50"), "y": "镇江"}, "b": [1, 2]}
    assert content_hash(a) == content_hash(b)
    assert re.fullmatch(r"[0-9a-f]{12}", content_hash(a))
    assert content_hash(a) != content_hash({**a, "b": [2, 1]})
    assert content_hash({"s": {"乙", "甲"}}) == content_hash({"s": {"甲", "乙"}})
    assert content_hash(content="x") == content_hash(content=b"x")
    with pytest.raises(TypeError, match="content_hash"):
        content_hash({"obj": object()})


# ---------------------------------------------------------------- pagination --


def test_rows_are_never_split_across_pages(sample_pages):
    context = sample_context()
    rows = [
        [m["name"], m["qualification"], str(m["age"]), m["achievement"]] for m in context["members"]
    ] + [
        [a["project"], a["title"], a["issuer"], a["level"], str(a["year"])] for a in context["awards"]
    ] + [[p] for p in context["leader"]["achievements"]] + [
        [p] for s in context["sections"] for p in s["paragraphs"]
    ]
    pages_of = []
    for row in rows:
        cells = [squash(c) for c in row]
        hits = [i for i, page in enumerate(sample_pages) if all(c in page for c in cells)]
        assert hits, f"row split across pages: {row[0][:20]}"
        pages_of.append(hits[0])
    members = pages_of[: len(context["members"])]
    assert members[0] != members[-1], "sample too short: the members table should cross a page"


def test_unwritable_supplement_dir_falls_back_to_system_font(font_dir, settings, tmp_path, caplog):
    """A read-only PDF_FONT_DIR must not break rendering: rare characters then come from the
    system Noto face through fontconfig (slower, still correct)."""
    import shutil

    ro = tmp_path / "ro-fonts"
    shutil.copytree(font_dir, ro, ignore=shutil.ignore_patterns("extra"))
    (ro / "extra").write_text("not a directory")  # makes every supplement write fail
    settings.PDF_FONT_DIR = str(ro)
    with caplog.at_level(logging.ERROR, logger="portal.fonts"):
        pdf = render_pdf("pdf/sample.html", {"leader": {"name": "李䶮𠮷"}}, stamp=STAMP)
    assert "could not be built" in caplog.text
    assert "李䶮𠮷" in squash(PdfReader(io.BytesIO(pdf)).pages[1].extract_text())
