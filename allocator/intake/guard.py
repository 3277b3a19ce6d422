"""What every input file goes through before any parser sees it: :func:`check`.

One place for the file-level checks, called by the applications intake and the roster reader alike
(:func:`allocator.intake.read.load_checked`), for every .xlsx/.xlsm and, lighter, for .csv and .parquet:

1. **Empty** (0 bytes): said as such, for every kind.
2. **Magic bytes.** An OLE2/CFB container (``D0 CF 11 E0 A1 B1 1A E1``) is either a legacy .xls or a
   password-protected .xlsx — Excel encrypts a workbook by wrapping it in a CFB file whose directory
   holds ``EncryptionInfo`` and ``EncryptedPackage`` streams; the directory entries (128 bytes each,
   name in UTF-16) are looked up to say which. Text, a web page (web systems export HTML as ".xls")
   or an XML spreadsheet named .xlsx are named as such; anything else that is no zip is "not a
   workbook". A .csv that is really a workbook is told to be renamed.
3. **Zip bomb**, from the central directory, before a byte is inflated: at most :data:`MAX_MEMBERS`
   parts, :data:`MAX_TOTAL` bytes unpacked in all, and no part above :data:`RATIO_FLOOR` bytes packed
   more than :data:`MAX_RATIO`:1. Genuine workbooks are far from these: the 100,000-row demo
   workbook unpacks to 47 MB at 7–8:1; a sheet of a million formatted empty rows packs 19:1; a
   1,048,576-row sheet with all 33 columns of the data dictionary filled would be about 1.6 GB. A
   part of zeros packs about 1,000:1.
4. **Every part inflated once**, in 1 MiB pieces (memory stays flat), two parts at a time (zlib and
   the CRC run outside the GIL), through :mod:`zipfile`, which
   stops at the size the directory states and checks the CRC: a directory that lies about sizes (so
   that step 3 passed) or a damaged part is refused before calamine or openpyxl, which trust it,
   read the file. A package without ``[Content_Types].xml`` (Excel does not open it) is refused too.
5. **No DTD.** Each XML part (.xml, .rels, .vml) is scanned for ``<!`` (also in UTF-16) other than a
   comment (``<!--``) or a marked section (``<![CDATA[``, VML's ``<![if …]>``): ``<!DOCTYPE``,
   ``<!ENTITY`` … are refused wherever they stand. Excel never writes them; they are how XML entity
   expansion ("billion laughs") and external-entity attacks are made.

6. **No sheet too large to hold.** While each part is inflated, :mod:`allocator.intake.extent` finds
   its used extent (the last row and column of a cell holding anything), its cells and its declared
   ``<dimension>``: a sheet beyond Excel's limits, wider than 512 columns, or whose rows × columns
   would make calamine allocate gigabytes while few cells exist (one cell at XFD1048576 asks for
   512 GiB) is refused, naming the sheet and its extent, in a few milliseconds for a 5 KB file.

A workbook that passes is remembered by its SHA-256 (the roster reader opens the same bytes right
after the intake), so the check runs once per file per process (its cost: benchmarks/README.md).

defusedxml is required: it is imported here, so importing the intake without it raises a clear
:class:`~allocator.core.errors.AllocatorError` at once; :mod:`allocator.intake.sources` parses the workbook's
own index parts with it.
"""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..core.errors import AllocatorError, InputError, Problem
from . import extent as intake_extent
from .messages import EXTENT_MESSAGES

try:
    import defusedxml.ElementTree as safe_xml  # noqa: F401  (the import is the start-up check)
except ImportError:  # pragma: no cover - the test environment has it
    raise AllocatorError(
        "缺少必需的依赖 defusedxml（安全解析 XML）：请运行 pip install defusedxml，或重新安装 allocator",
        "the required dependency defusedxml (safe XML parsing) is missing: pip install defusedxml",
    ) from None

#: A whole workbook may unpack to at most this many bytes (see the module's notes).
MAX_TOTAL = 4 * 2**30
#: No part bigger than :data:`RATIO_FLOOR` unpacked may be packed tighter than this.
MAX_RATIO = 100
RATIO_FLOOR = 10 * 2**20
MAX_MEMBERS = 10_000
CHUNK = 2**20

CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_XML_PARTS = (".xml", ".rels", ".vml")
_ALLOWED = (b"--", b"[")  # a comment; CDATA (or a VML conditional): no declaration
_SPARE = 32  # bytes kept from one piece to the next, so a declaration cut in two is still seen whole
_PASSED: set[str] = set()  # SHA-256 of workbooks that passed (a set: thread-safe under the GIL)

MESSAGES: dict[str, tuple[str, str]] = {
    "empty_excel": (
        "文件为空（0 字节），不是有效的 Excel 工作簿；请确认文件已完整保存或下载后再导入",
        "the file is empty (0 bytes), not a valid Excel workbook (.xlsx); save or download it again",
    ),
    "empty_table": (
        "文件为空（0 字节），没有申报数据行；请确认文件已完整保存或导出后再导入",
        "the file is empty (0 bytes): no application rows; save or export it again",
    ),
    "legacy_xls": (
        "旧版 .xls（Excel 97-2003）格式，请在 Excel/WPS 中另存为 .xlsx（Excel 工作簿）",
        "this is the old .xls (Excel 97-2003) format; save it as .xlsx in Excel or WPS",
    ),
    "encrypted": (
        "工作簿有密码保护，请去除密码后另存为 .xlsx（Excel：文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）",
        "the workbook is password-protected (encrypted); remove the password and save it again as .xlsx",
    ),
    "text": (
        "不是有效的 Excel 工作簿（.xlsx）：文件内容是文本（如 CSV）；若是 CSV，请把扩展名改为 .csv，"
        "否则请在 Excel/WPS 中另存为 .xlsx",
        "not a valid Excel workbook (.xlsx): the file holds text (a CSV?); rename a CSV to .csv, "
        "or save it as .xlsx",
    ),
    "html": (
        "不是有效的 Excel 工作簿（.xlsx）：文件是网页（HTML），常见于从网上系统导出的“Excel”；"
        "请在 Excel/WPS 中打开后另存为 .xlsx",
        "not a valid Excel workbook (.xlsx): the file is a web page (HTML), as web systems export "
        "'Excel'; open it in Excel or WPS and save it as .xlsx",
    ),
    "xml": (
        "不是有效的 Excel 工作簿（.xlsx）：文件是 XML 表格（如 Excel 2003 XML）；请在 Excel/WPS 中另存为 .xlsx",
        "not a valid Excel workbook (.xlsx): the file is an XML spreadsheet (Excel 2003 XML?); "
        "save it as .xlsx",
    ),
    "not_zip": (
        "不是有效的 Excel 工作簿（.xlsx）：文件不是 .xlsx 所用的 zip 压缩包；请在 Excel/WPS 中另存为 .xlsx",
        "not a valid Excel workbook (.xlsx): the file is no zip package as .xlsx is; save it as .xlsx",
    ),
    "bad_zip": (
        "不是有效的 Excel 工作簿（.xlsx）：zip 压缩包已损坏或不完整（{exc}），可能是保存、下载或复制没有完成；"
        "请重新保存或下载",
        "not a valid Excel workbook (.xlsx): the zip package is damaged or cut short ({exc}); "
        "save or download it again",
    ),
    "bad_part": (
        "不是有效的 Excel 工作簿（.xlsx）：部件 {part} 无法解压或与压缩包目录不符（{exc}），文件已损坏或被改动；"
        "请重新保存或下载",
        "not a valid Excel workbook (.xlsx): part {part} cannot be unpacked or does not match the zip "
        "directory ({exc}); the file is damaged or altered, save or download it again",
    ),
    "no_content_types": (
        "不是有效的 Excel 工作簿（.xlsx）：压缩包中缺少 [Content_Types].xml（Excel 也无法打开）；"
        "请在 Excel/WPS 中另存为 .xlsx",
        "not a valid Excel workbook (.xlsx): the package has no [Content_Types].xml (Excel cannot "
        "open it either); save it as .xlsx",
    ),
    "members": (
        "工作簿的压缩包中有 {n:,} 个部件，超过上限 {limit:,}；疑似恶意文件，已拒绝读取",
        "the workbook's package holds {n:,} parts, above the limit of {limit:,}: refused",
    ),
    "total": (
        "工作簿解压后共 {size}，超过上限 {limit}；疑似“zip 炸弹”，已拒绝读取。"
        "若确为真实数据，请拆分为多个文件或改用 .csv / .parquet",
        "the workbook unpacks to {size}, above the limit of {limit}: refused as a possible zip bomb; "
        "split genuine data into several files or use .csv / .parquet",
    ),
    "ratio": (
        "部件 {part} 的压缩比为 {ratio:,.0f}:1（{packed} 解压为 {size}），超过上限 {limit}:1；"
        "疑似“zip 炸弹”，已拒绝读取",
        "part {part} is packed {ratio:,.0f}:1 ({packed} unpacks to {size}), above the limit of "
        "{limit}:1: refused as a possible zip bomb",
    ),
    "dtd": (
        "部件 {part} 含有 XML 文档类型或实体声明；Excel/WPS 从不写入此类声明，出于安全原因拒绝读取。"
        "请在 Excel/WPS 中打开后另存为 .xlsx",
        "part {part} holds an XML DTD or entity declaration, which Excel and WPS never write: "
        "refused for safety; open the file in Excel or WPS and save it again as .xlsx",
    ),
    "csv_is_workbook": (
        "文件扩展名是 .csv，内容却是 Excel 工作簿；请把扩展名改为 .xlsx，或在 Excel/WPS 中另存为 CSV",
        "the file is named .csv but holds an Excel workbook; rename it to .xlsx or save it as CSV",
    ),
    **EXTENT_MESSAGES,
}


class Refused(Exception):
    """One file-level refusal: a key of :data:`MESSAGES` and what fills it."""

    def __init__(self, key: str, value: object = None, **kw: object) -> None:
        super().__init__(key)
        self.key, self.value, self.kw = key, value, kw
        self.sheet: str | None = None  # the sheet a part is, where the refusal is about one


def check(path: Path, data: bytes, kind: str, digest: str) -> None:
    """Refuse the file ``path`` (bytes ``data``, read by the ``kind`` reader: excel, csv or parquet;
    SHA-256 ``digest``) with one :class:`~allocator.core.errors.InputError` if it is none of its kind or
    is hostile; see the module's notes. Nothing is parsed before this passes."""
    if kind == "excel" and digest in _PASSED:
        return
    try:
        if not data:
            raise Refused("empty_excel" if kind == "excel" else "empty_table")
        if kind == "csv" and data.startswith((CFB, *ZIP)):
            raise Refused("csv_is_workbook")
        if kind == "excel":
            _excel(data)
    except Refused as r:
        zh, en = (text.format(**r.kw) for text in MESSAGES[r.key])
        raise InputError(
            [Problem(path.name, r.sheet, None, None, r.value, zh, en, code=f"input.{r.key}")], file=str(path)
        ) from None
    if kind == "excel":
        if len(_PASSED) >= 64:  # a long-lived process (a sweep) reads a handful of workbooks: start over
            _PASSED.clear()
        _PASSED.add(digest)


def _excel(data: bytes) -> None:
    if data.startswith(CFB):
        raise Refused("encrypted" if _encrypted(data) else "legacy_xls")
    if not data.startswith(ZIP):
        raise Refused(_sniff(data[:4096]))
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, NotImplementedError (zip version), OSError …: no usable zip
        raise Refused("bad_zip", exc=exc) from None
    with z, ThreadPoolExecutor(max_workers=2) as pool:  # zlib and crc32 release the GIL
        infos = z.infolist()
        _directory(infos)
        biggest_first = sorted(infos, key=lambda i: i.compress_size, reverse=True)
        try:
            for _ in pool.map(lambda info: _inflate(z, info), biggest_first):
                pass
        except Refused as r:
            if r.key in EXTENT_MESSAGES:
                r.sheet = _sheet_of(z, str(r.kw["part"]))
            raise


def _encrypted(data: bytes) -> bool:
    """Whether a CFB file's directory has an entry EncryptionInfo or EncryptedPackage: a directory
    entry starts at a multiple of 128 with the UTF-16 name, its length in bytes (with the final NUL)
    at offset 64."""
    for name in ("EncryptionInfo", "EncryptedPackage"):
        raw = name.encode("utf-16-le")
        size = (len(raw) + 2).to_bytes(2, "little")
        at = data.find(raw)
        while at >= 0:
            if at % 128 == 0 and data[at + 64 : at + 66] == size:
                return True
            at = data.find(raw, at + 1)
    return False


def _sniff(head: bytes) -> str:
    """Which message a file that is neither zip nor CFB gets, from its first bytes."""
    text = _text(head)
    if text is None:
        return "not_zip"
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html", "<table", "<meta", "<head")):
        return "html"
    if start.startswith("<?xml"):
        return "html" if "<html" in start else "xml"
    return "text"


def _text(head: bytes) -> str | None:
    """``head`` as text (UTF-8 or GB18030, a character cut at the end allowed), None if it is not."""
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:
                continue
            text = head[: exc.start].decode(encoding)
        if all(c.isprintable() or c in "\t\r\n" for c in text):
            return text
    return None


def _size(n: float) -> str:
    return f"{n / 2**20:,.1f} MB" if n < 2**30 else f"{n / 2**30:,.1f} GB"


def _directory(infos: list[zipfile.ZipInfo]) -> None:
    """The zip-bomb limits and the parts every workbook has, from the central directory alone."""
    if len(infos) > MAX_MEMBERS:
        raise Refused("members", n=len(infos), limit=MAX_MEMBERS)
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL:
        raise Refused("total", size=_size(total), limit=_size(MAX_TOTAL))
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size / max(i.compress_size, 1)
            kw = {"packed": _size(i.compress_size), "size": _size(i.file_size)}
            raise Refused("ratio", i.filename, part=i.filename, ratio=ratio, limit=MAX_RATIO, **kw)
    if not any(i.filename == "[Content_Types].xml" for i in infos):
        raise Refused("no_content_types")


def _inflate(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Unpack one part in pieces (zipfile stops at the stated size and checks the CRC); an XML part
    is scanned for a declaration on the way."""
    xml = info.filename.lower().endswith(_XML_PARTS)
    rest = b""
    extent = intake_extent.Extent()
    try:
        with z.open(info) as f:
            while True:
                piece = f.read(CHUNK)
                if xml:
                    rest = _scan(info.filename, rest + piece, last=not piece)
                    extent.feed(piece, last=not piece)
                if not piece:
                    break
        if xml:  # a sheet near the limits, or with cells the first look cannot place: looked at closer
            extent = intake_extent.measure(z, info, extent, CHUNK)
    except Refused:
        raise
    except Exception as exc:  # BadZipFile (CRC), zlib.error, NotImplementedError (method), RuntimeError …
        raise Refused("bad_part", info.filename, part=info.filename, exc=exc) from None
    found = intake_extent.verdict(extent) if xml else None
    if found:
        key, kw = found
        raise Refused(key, kw.get("declared") or kw.get("ref"), part=info.filename, **kw)


def _sheet_of(z: zipfile.ZipFile, part: str) -> str:
    """The name of the sheet whose XML is ``part`` (the part's name if no sheet lists it)."""
    from .sheet_marks import sheet_parts

    try:
        names = {target: name for name, target in sheet_parts(z).items()}
    except Exception:  # a package too damaged to say: the part's name serves
        return part
    return names.get(part, part)


def _scan(part: str, text: bytes, last: bool) -> bytes:
    """Refuse ``<!`` other than a comment or a marked section in ``text``; returns the tail not yet
    looked at (every ``<!`` is judged with :data:`_SPARE` bytes after it, or at the end of the part).

    ``!`` is rare in a workbook's XML, so it is what is searched for (memchr: several GB/s), and the
    byte before it looked at: ``<`` (UTF-8) or NUL after ``<`` (UTF-16, either byte order)."""
    end = len(text) if last else max(len(text) - _SPARE, 0)
    at = text.find(b"!", 1, end)
    while at > 0:
        if text[at - 1] == 0x3C or (text[at - 1] == 0 and at > 1 and text[at - 2] == 0x3C):
            after = text[at + 1 : at + 5].replace(b"\x00", b"")
            if not after.startswith(_ALLOWED):
                shown = text[at - 2 : at + 60].replace(b"\x00", b"").decode("utf-8", "replace")
                raise Refused("dtd", shown[shown.find("<") :].split("\n")[0], part=part)
        at = text.find(b"!", at + 1, end)
    return text[max(end - 2, 0) :]
