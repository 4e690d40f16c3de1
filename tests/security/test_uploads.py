"""#29 file upload corpus against portal.uploads.check_upload (content-checked uploads): the bad
corpus is refused, the good corpus accepted with EXIF/GPS removed, names reduced to display text."""

import io
import zipfile

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.uploads import UploadRejected, check_upload, display_name
from tests.factories.studios import image_bytes, pdf_bytes

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _png(size, mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _pdf_pages(n: int, uri_link: bool = False) -> bytes:
    pdf = pikepdf.new()
    for _ in range(n):
        pdf.add_blank_page(page_size=(595, 842))
    if uri_link:
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("http://www.zjrs.gov.cn/")))]))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _jpeg(size=(40, 30), mode="RGB", orientation=None) -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, size, 128 if mode == "L" else (10, 120, 200))
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


BAD = {
    "eicar.pdf": EICAR,
    "setup.exe renamed.pdf": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200,
    "page.html renamed.jpg": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "drawing.svg renamed.jpg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "javascript.pdf": pdf_bytes(javascript=True),
    "openaction.pdf": pdf_bytes(open_action=True),
    "embedded.pdf": pdf_bytes(embedded=True),
    "encrypted.pdf": pdf_bytes(encrypted=True),
    "empty.pdf": b"",
    "oversize.pdf": pdf_bytes() + b"%" + b"x" * (10 * 1024 * 1024),
    "bomb 20000x20000.png": _png((20000, 20000), mode="1"),
    "polyglot.pdf": b"%PDF-1.7\n<html><script>alert(1)</script></html>\n%%EOF",
    "truncated.jpg": _jpeg()[:200],
    "animation.gif": b"GIF89a" + b"\x00" * 50,
    "report.docx renamed.pdf": _zip(),
}
GOOD = {
    "镇江市技术能手证书.pdf": pdf_bytes(),
    "多页扫描件.pdf": _pdf_pages(5),
    "带链接的WPS导出.pdf": _pdf_pages(2, uri_link=True),
    "手机拍照GPS.jpg": image_bytes("JPEG", gps=True, size=(1200, 900)),
    "旋转的照片.jpg": _jpeg(orientation=6),
    "灰度扫描.jpg": _jpeg(mode="L"),
    "截图.png": image_bytes("PNG"),
    "透明图章.png": _png((300, 300), mode="RGBA"),
    "大图 4000x3000.jpg": _jpeg(size=(4000, 3000)),
    "GPS图片.png": image_bytes("PNG", gps=True),
}


def test_corpus_sizes():
    assert (len(BAD), len(GOOD)) == (15, 10)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_is_refused(name):
    with pytest.raises(UploadRejected):
        check_upload(SimpleUploadedFile(name, BAD[name], content_type="application/pdf"))


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_file_is_accepted_without_gps(name):
    checked = check_upload(SimpleUploadedFile(name, GOOD[name]))
    assert checked.display_name == name
    if checked.content_type.startswith("image/"):
        exif = Image.open(io.BytesIO(checked.content)).getexif()
        assert 0x8825 not in exif and 0x010F not in exif  # GPS and camera make gone


@pytest.mark.parametrize("name", ["../../x.pdf", "..\\..\\x.pdf", "a\r\nb.pdf", "a\x00b.pdf", "a.pdf.exe",
                                  "/etc/passwd"])
def test_hostile_names_become_display_text(name):
    shown = display_name(name)
    assert "/" not in shown and "\\" not in shown
    assert not any(ch in shown for ch in "\r\n\x00")
    assert not shown.startswith(".")


def test_figure():
    refused = sum(1 for name in BAD if _refused(BAD[name], name))
    accepted = sum(1 for name in GOOD if not _refused(GOOD[name], name))
    print(f"FIGURE #29: {refused}/{len(BAD)} rejected; {len(GOOD) - accepted}/{len(GOOD)} good files rejected; "
          "0 EXIF GPS stored")
    assert (refused, accepted) == (len(BAD), len(GOOD))


def _refused(data, name) -> bool:
    try:
        check_upload(SimpleUploadedFile(name, data))
    except UploadRejected:
        return True
    return False
