"""Font preparation for PDF rendering (see docs/pdf.md).

WeasyPrint embeds a subset of every font a document uses. Debian's
fonts-noto-cjk ships each face as a 20–27 MB CFF collection (.ttc); subsetting
those on every render is what makes naive CJK PDFs slow (≈0.5 s per render
with HarfBuzz-subset, 7–11 s when WeasyPrint falls back to fontTools).

``build_fonts()`` (management command ``build_pdf_fonts``) prepares, once:

* three *base* fonts — subsets of Noto Serif CJK SC Regular/Bold and Noto Sans
  CJK SC Bold covering ASCII/Latin-1, punctuation, full-width forms, GB2312
  (7,573 code points incl. 6,763 hanzi) and common given-name characters
  outside GB2312 — converted from CFF to TrueType outlines, written to
  ``settings.PDF_FONT_DIR`` with a ``manifest.json``;

``supplement_fonts(chars)`` covers the rest at render time: characters of a
document that the base fonts lack (䶮, 𠮷, Ext-B names …) are cut from the full
Noto face into a tiny font (a few KB, ≈0.15 s the first time) that is cached on
disk by the hash of the sorted character set and declared as the "PDF Extra"
fallback family.

CSS families (the @font-face rules come from ``font_face_css()``):

* ``"PDF Song"`` 400 — 宋体-like body text (Noto Serif CJK SC Regular)
* ``"PDF Song"`` 700 — 标宋-like titles (Noto Serif CJK SC Bold)
* ``"PDF Hei"``  700 — 黑体-like headings (Noto Sans CJK SC Bold)
* ``"PDF Extra"`` — per-document supplement; keep it second in every list.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

#: Bump when the build recipe changes: invalidates manifest + supplement cache.
BUILD_VERSION = 1

DEFAULT_FONT_DIR = Path(__file__).resolve().parent.parent / "var" / "fonts"

#: Directories searched for the Debian fonts-noto-cjk files before fc-match.
SOURCE_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/opentype/noto-cjk"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
)


@dataclass(frozen=True)
class Face:
    key: str  # file stem in PDF_FONT_DIR
    css_family: str  # family name used in our CSS
    css_weight: int
    source_file: str  # Debian fonts-noto-cjk file name
    source_family: str  # name ID 1 of the wanted face inside the collection
    source_style: str  # fc-match style, for the fallback lookup


FACES = (
    Face("pdf-song-regular", "PDF Song", 400, "NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC", "Regular"),
    Face("pdf-song-bold", "PDF Song", 700, "NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC", "Bold"),
    Face("pdf-hei-bold", "PDF Hei", 700, "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC", "Bold"),
)

#: Faces a "PDF Extra" supplement is cut from (regular and bold text).
SUPPLEMENT_FACES = (FACES[0], FACES[1])

EXTRA_FAMILY = "PDF Extra"

#: Frequent given-name characters outside GB2312 (GB2312 itself is derived
#: from Python's codec). Anything missing here is still rendered through the
#: per-document supplement; this list only keeps common names on the fast path.
NAME_CHARS = (
    "堃喆镕珺昇垚犇燚彧玥祎晞璟赟曌暐瑄瑢琤旻珣璠玙玘玚玠玹珅珽琇琎琡琭琯琲琹瑀瑒瑨瑱"
    "瑴璆璘璿昉晢晳暘暻曈旸昫昺晧晫暎炘烜焜煐煚燊燏祐禛婳嫚翀翚淏湉濛珒芃萩鹍鹓昪晙頔堉"
    "峣亶钖旼炤玮珈珂珉珞琬琮琨琛琼瑭瑷璋璞璨瓒珙珲昊昕昶晔晖暄曦昱晏晨炅炫烽焯煊煦熙熹"
    "钊钧钦钰铄铎铠铭锋锐锟锦镔镛祺禧婕婵婷媛嫣娅娴彤彦彬翊翎骁骅骐骞鹏灏澍潇滢溥蓁萱菁"
    "芮茜蕊蕙岚岱崧嵘嵩亘珩琪瑶瑾璇瑜瑛琳琦璐晗晟昀炜烨熠钰铖锴淼焱鑫磊"
)


class FontBuildError(RuntimeError):
    pass


# --------------------------------------------------------------------- paths --


def font_dir() -> Path:
    """``settings.PDF_FONT_DIR`` (default ``<project>/var/fonts``)."""
    try:
        from django.conf import settings

        value = getattr(settings, "PDF_FONT_DIR", None)
    except Exception:  # settings not configured (scripts)
        value = None
    return Path(value) if value else DEFAULT_FONT_DIR


def find_source(face: Face) -> tuple[Path, int]:
    """Locate the Noto CJK collection and the index of the SC face in it."""
    candidates = [d / face.source_file for d in SOURCE_DIRS]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None and (fc_match := shutil.which("fc-match")):
        try:
            out = subprocess.run(  # noqa: S603 (fixed arguments from FACES)
                [fc_match, "-f", "%{file}", f"{face.source_family}:style={face.source_style}"],
                capture_output=True, text=True, timeout=10, check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).is_file():
            path = Path(out)
    if path is None:
        raise FontBuildError(
            f"{face.source_file} not found (install the Debian package fonts-noto-cjk)"
        )
    return path, _face_index(path, face.source_family)


@lru_cache(maxsize=16)
def _face_index(path: Path, family: str) -> int:
    from fontTools.ttLib import TTCollection

    with path.open("rb") as fh:
        if fh.read(4) != b"ttcf":
            return 0
    collection = TTCollection(str(path), lazy=True)
    for index, font in enumerate(collection.fonts):
        names = {rec.toUnicode() for rec in font["name"].names if rec.nameID in (1, 16)}
        if family in names:
            return index
    raise FontBuildError(f"{family!r} not found in {path}")


# ------------------------------------------------------------------- charset --


def common_charset() -> frozenset[int]:
    """Code points every base font should contain (before intersecting cmaps)."""
    cps: set[int] = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    cps |= set(range(0x2000, 0x2070))  # general punctuation (—…‘’“”‰※)
    cps |= set(range(0x2100, 0x2200))  # letterlike, number forms, arrows (№℃Ⅰ→)
    cps |= set(range(0x2460, 0x24A0))  # enclosed numerals ①⑴⒈
    cps |= set(range(0x25A0, 0x2600))  # geometric shapes (□■○●△)
    cps |= set(range(0x3000, 0x3040))  # CJK symbols and punctuation
    cps |= set(range(0xFF00, 0xFFF0))  # full-width forms
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp < 0xF900:  # surrogates and private use
            continue
        try:
            chr(cp).encode("gb2312")
        except UnicodeEncodeError:
            continue
        cps.add(cp)
    cps.update(ord(c) for c in NAME_CHARS)
    return frozenset(cps)


def _ranges(cps) -> str:
    """Compact "20-7e,a0-ff,…" (hex) form of a code point set, for the manifest."""
    out: list[list[int]] = []
    for cp in sorted(cps):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return ",".join(f"{a:x}" if a == b else f"{a:x}-{b:x}" for a, b in out)


def _charset_sha(cps) -> str:
    return hashlib.sha256(",".join(map(str, sorted(cps))).encode()).hexdigest()[:16]


def _from_ranges(ranges: str) -> frozenset[int]:
    cps: set[int] = set()
    for part in filter(None, ranges.split(",")):
        start, _, end = part.partition("-")
        cps.update(range(int(start, 16), int(end or start, 16) + 1))
    return frozenset(cps)


# -------------------------------------------------------------------- subset --


def _subset(source: Path, index: int, codepoints, *, truetype: bool):
    """Subset one face of a collection; returns a fontTools TTFont."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source), fontNumber=index, lazy=True)
    cmap = font.getBestCmap()
    wanted = sorted(set(codepoints) & set(cmap))
    # Unicode variation sequences would drag thousands of alternates along.
    font["cmap"].tables = [t for t in font["cmap"].tables if t.format != 14]
    options = subset.Options()
    options.layout_features = ["kern"]  # CJK needs no GSUB; kern for Latin
    options.name_IDs = ["*"]  # keep copyright + OFL licence records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "GSUB", "DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    quiet = logging.getLogger("fontTools")  # it logs every table at INFO
    level = quiet.level
    quiet.setLevel(max(level, logging.WARNING))
    try:
        subsetter.subset(font)
    finally:
        quiet.setLevel(level)
    if truetype and "CFF " in font:
        _cff_to_glyf(font)
    return font


def _cff_to_glyf(font, max_err: float = 1.0) -> None:
    """Convert CFF (cubic) outlines to TrueType glyf (quadratic), in place.

    Same recipe as fontTools' Snippets/otf2ttf.py. TrueType outlines make the
    per-render subsetting cheaper (no charstring desubroutinisation) and the
    embedded font smaller.
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
        "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 3.0  # no glyph names: smaller, CJK names are cidNNNNN anyway
    post.extraNames = []
    post.mapping = {}
    del font["CFF "]
    font.sfntVersion = "\x00\x01\x00\x00"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source_stamp(path: Path) -> dict:
    st = path.stat()
    return {"path": str(path), "size": st.st_size, "mtime": int(st.st_mtime)}


# --------------------------------------------------------------------- build --


def build_fonts(
    directory: Path | None = None,
    *,
    force: bool = False,
    charset=None,
    log=print,
) -> dict:
    """Build the base fonts into ``directory`` (idempotent) and return the manifest.

    Fast (≈0.1 s) when the manifest matches the installed sources and the
    files are intact; otherwise ≈20–30 s on 2 cores. ``charset`` overrides
    ``common_charset()`` (tests use a small one to keep them fast).
    """
    directory = Path(directory or font_dir())
    codepoints = frozenset(charset) if charset is not None else common_charset()
    charset_sha = _charset_sha(codepoints)
    manifest_path = directory / "manifest.json"

    sources = {face.key: find_source(face) for face in FACES}
    old = _read_manifest(manifest_path)
    if not force and old and _manifest_current(old, directory, sources, charset_sha):
        log(f"PDF fonts up to date in {directory}")
        return old

    directory.mkdir(parents=True, exist_ok=True)
    faces: dict[str, dict] = {}
    started = time.perf_counter()
    for face in FACES:
        t0 = time.perf_counter()
        source, index = sources[face.key]
        font = _subset(source, index, codepoints, truetype=True)
        buf = io.BytesIO()
        font.save(buf)
        data = buf.getvalue()
        filename = f"{face.key}.ttf"
        _atomic_write(directory / filename, data)
        covered = set(font.getBestCmap())
        faces[face.key] = {
            "file": filename,
            "family": face.css_family,
            "weight": face.css_weight,
            "source": {**_source_stamp(source), "index": index, "family": face.source_family},
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "glyphs": len(font.getGlyphOrder()),
            "codepoints": len(covered),
            "seconds": round(time.perf_counter() - t0, 2),
            "_covered": covered,
        }
        log(
            f"  {filename}: {len(covered)} code points, {len(data) / 1e6:.1f} MB, "
            f"{faces[face.key]['seconds']} s (from {source.name}#{index})"
        )
    # A character is "covered" only if every base face has it; anything else
    # goes to the supplement so bold/hei text never silently falls back.
    common = set.intersection(*(f.pop("_covered") for f in faces.values()))
    manifest = {
        "build_version": BUILD_VERSION,
        "charset_sha": charset_sha,
        "custom_charset": charset is not None,
        "faces": faces,
        "coverage": _ranges(common),
        "built_at": int(time.time()),
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    _atomic_write(manifest_path, json.dumps(manifest, indent=1).encode())
    # Supplements cut for an older build may duplicate what the base now has.
    shutil.rmtree(directory / "extra", ignore_errors=True)
    log(f"PDF fonts built in {manifest['build_seconds']} s → {directory}")
    _prepared.cache_clear()
    return manifest


def _read_manifest(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _manifest_current(manifest, directory: Path, sources, charset_sha: str) -> bool:
    if manifest.get("build_version") != BUILD_VERSION or manifest.get("charset_sha") != charset_sha:
        return False
    for face in FACES:
        entry = manifest.get("faces", {}).get(face.key)
        source, index = sources[face.key]
        if not entry or {**_source_stamp(source), "index": index, "family": face.source_family} != entry["source"]:
            return False
        path = directory / entry["file"]
        if not path.is_file() or path.stat().st_size != entry["bytes"] or _sha256(path) != entry["sha256"]:
            return False
    return True


# ------------------------------------------------------------------- runtime --


@dataclass(frozen=True)
class PreparedFonts:
    directory: Path
    faces: tuple[tuple[str, int, Path], ...]  # (family, weight, file)
    coverage: frozenset[int]
    signature: str  # changes whenever the fonts are rebuilt


@lru_cache(maxsize=4)
def _prepared(directory: Path, mtime_ns: int) -> PreparedFonts | None:
    manifest = _read_manifest(directory / "manifest.json")
    if not manifest or manifest.get("build_version") != BUILD_VERSION:
        return None
    faces = []
    for entry in manifest["faces"].values():
        path = directory / entry["file"]
        if not path.is_file():
            return None
        faces.append((entry["family"], entry["weight"], path))
    try:
        coverage = _from_ranges(manifest["coverage"])
    except (KeyError, AttributeError, ValueError):
        logger.warning("Unreadable %s: run build_pdf_fonts --force", directory / "manifest.json")
        return None
    return PreparedFonts(
        directory=directory,
        faces=tuple(faces),
        coverage=coverage,
        signature=f"{directory}:{mtime_ns}",
    )


def prepared_fonts(directory: Path | None = None) -> PreparedFonts | None:
    """The built base fonts, or None if ``build_pdf_fonts`` has not run."""
    directory = Path(directory or font_dir())
    try:
        mtime_ns = (directory / "manifest.json").stat().st_mtime_ns
    except OSError:
        return None
    return _prepared(directory, mtime_ns)


@lru_cache(maxsize=4)
def _source_cmap(source: Path, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(source), fontNumber=index, lazy=True).getBestCmap())


_supplement_lock = threading.Lock()


def supplement_fonts(chars, prepared: PreparedFonts) -> list[tuple[int, Path]]:
    """Tiny fonts for the characters of ``chars`` that the base fonts lack.

    Returns ``[(weight, path), …]`` for the "PDF Extra" family (empty list if
    nothing is missing). Characters no Noto face has (emoji, ☑ …) are left to
    fontconfig's fallback. Cached on disk by the sorted character set.
    """
    missing = {
        ord(c) for c in chars if ord(c) > 0x7F and ord(c) not in prepared.coverage
        and c.isprintable()
    }
    if not missing:
        return []
    sources = [(face, *find_source(face)) for face in SUPPLEMENT_FACES]
    available = missing & _source_cmap(sources[0][1], sources[0][2])
    if not available:
        return []
    key = hashlib.sha256(
        f"{BUILD_VERSION}:{''.join(map(chr, sorted(available)))}".encode()
    ).hexdigest()[:20]
    result = []
    for face, source, index in sources:
        path = prepared.directory / "extra" / f"{key}-{face.css_weight}.ttf"
        if not path.is_file():
            try:
                with _supplement_lock:
                    if not path.is_file():
                        t0 = time.perf_counter()
                        font = _subset(source, index, available, truetype=True)
                        buf = io.BytesIO()
                        font.save(buf)
                        _atomic_write(path, buf.getvalue())
                        logger.info(
                            "PDF supplement font %s: %d chars in %.2f s",
                            path.name, len(available), time.perf_counter() - t0,
                        )
            except Exception:  # e.g. read-only PDF_FONT_DIR: fontconfig's fallback still works
                logger.exception("PDF supplement font %s could not be built", path)
                return []
        result.append((face.css_weight, path))
    return result


def font_face_css(prepared: PreparedFonts | None, supplements=()) -> str:
    """@font-face rules for our families ("" if the fonts are not built)."""
    rules = []
    if prepared is not None:
        for family, weight, path in prepared.faces:
            rules.append(_rule(family, weight, f"url({path.as_uri()})"))
    # Not built: no rules at all. The CSS font lists end with serif/sans-serif,
    # which fontconfig maps to the system Noto CJK SC faces for lang="zh-CN";
    # the same generic fallback catches characters nobody predicted. (Never
    # local("…"): WeasyPrint would register the whole .ttc under the family and
    # use its first face, which is JP.)
    for weight, path in supplements:
        rules.append(_rule(EXTRA_FAMILY, weight, f"url({path.as_uri()})"))
    return "\n".join(rules)


def _rule(family: str, weight: int, src: str) -> str:
    return f'@font-face {{ font-family: "{family}"; font-weight: {weight}; src: {src}; }}'


def fonts_current(directory: Path | None = None) -> bool:
    """True if the base fonts are built from the installed sources and intact."""
    directory = Path(directory or font_dir())
    manifest = _read_manifest(directory / "manifest.json")
    if not manifest:
        return False
    try:
        sources = {face.key: find_source(face) for face in FACES}
    except FontBuildError:
        return False
    charset_sha = manifest.get("charset_sha") if manifest.get("custom_charset") else None
    return _manifest_current(
        manifest, directory, sources, charset_sha or _charset_sha(common_charset())
    )


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets with HarfBuzz (fast) only if libharfbuzz-subset loads."""
    try:
        from weasyprint.text.ffi import harfbuzz_subset
    except Exception:  # pragma: no cover
        return False
    return harfbuzz_subset is not None
