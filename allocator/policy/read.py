"""Reading a policy pack file: bytes → text → TOML tables, each step a clear problem when it fails.

A pack that is too large, empty, binary, not UTF-8 (GBK from an old editor, UTF-16 from Notepad), not
valid TOML, or nested deeper than any pack is, is one :class:`PackProblem` naming the file (and the line
where one is known), never a traceback. A UTF-8 byte-order mark is accepted and dropped.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from pathlib import Path

from .limits import MAX_NESTING, MAX_PACK_BYTES
from .problems import PackProblem, shown

_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")  # not \t \n \v \f \r, not ESC


def read_pack(path: Path, file: str) -> tuple[bytes | None, list[PackProblem]]:
    """The pack file's bytes (at most :data:`MAX_PACK_BYTES`), or the problem reading it."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_PACK_BYTES + 1)
    except FileNotFoundError:
        return None, [_file(file, None, "找不到政策包文件", "pack file not found", "not_found")]
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        return None, [
            _file(file, None, f"无法读取政策包文件：{why}", f"cannot read the pack file: {why}", "unreadable")
        ]
    if len(raw) > MAX_PACK_BYTES:
        return None, [_too_large(file)]
    return raw, []


def decode_pack(raw: bytes, file: str) -> tuple[str | None, list[PackProblem]]:
    """The pack's text from its bytes: UTF-8 (a byte-order mark dropped), or the problem."""
    if len(raw) > MAX_PACK_BYTES:
        return None, [_too_large(file)]
    if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        zh = "政策包文件为 UTF-16 编码（记事本“Unicode”格式）：请另存为 UTF-8"
        return None, [_file(file, None, zh, "the pack file is UTF-16 encoded: save it as UTF-8", "utf16")]
    sample = raw[:65536]
    if b"\x00" in raw or len(_CONTROL.findall(sample)) * 100 > len(sample):  # over 1 %: not text
        return None, [_binary(raw, file)]
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [_not_utf8(raw, exc, file)]


def parse_pack(text: str, file: str) -> tuple[dict | None, list[PackProblem]]:
    """The pack's tables from its TOML text, or the one problem that stops them being read."""
    if len(text) > MAX_PACK_BYTES:
        return None, [_too_large(file)]
    if not text.strip():
        return None, [_file(file, None, "政策包文件为空", "the pack file is empty", "empty")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [_syntax(exc, text, file)]
    except RecursionError:
        zh, en = (
            f"TOML 嵌套过深（超过 {MAX_NESTING} 层）",
            f"TOML nested too deeply (over {MAX_NESTING} levels)",
        )
        return None, [PackProblem(file, None, "TOML", None, zh, en, code="toml_depth")]
    if not data:
        zh = "政策包文件没有任何内容（只有注释或空行）"
        return None, [_file(file, None, zh, "the pack file holds nothing but comments", "empty")]
    deep = _too_deep(data)
    if deep is not None:
        zh = f"嵌套过深：{deep} 处的表或数组超过 {MAX_NESTING} 层（政策包最多用到 5 层）"
        en = (
            f"nested too deeply: the table or array at {deep} goes over {MAX_NESTING} levels (a pack needs 5)"
        )
        return None, [PackProblem(file, None, deep, None, zh, en, code="toml_depth")]
    return data, []


def _too_deep(data: dict) -> str | None:
    """The key path of the first value nested deeper than :data:`MAX_NESTING`, without recursion."""
    stack: list[tuple[object, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_NESTING:
            return path
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i + 1}]", depth + 1) for i, v in enumerate(value))
    return None


def _file(file: str, line: int | None, zh: str, en: str, code: str) -> PackProblem:
    return PackProblem(file, line, "file", file, zh, en, code=code)


def _too_large(file: str) -> PackProblem:
    most = f"{MAX_PACK_BYTES:,}"
    zh = f"政策包文件过大（超过 {most} 字节；内置政策包不到 3 万字节），未读取"
    en = f"the pack file is larger than {most} bytes (the shipped packs are < 30 KB)"
    return _file(file, None, zh, en, "too_large")


def _binary(raw: bytes, file: str) -> PackProblem:
    at = _CONTROL.search(raw)
    line = raw[: at.start()].count(b"\n") + 1 if at else None
    byte = f"0x{raw[at.start()]:02X}" if at else ""
    zh = f"不是文本文件（含二进制数据 {byte}）：政策包须为 UTF-8 编码的 TOML 文本"
    en = f"not a text file (binary data, byte {byte}): a pack is TOML text in UTF-8"
    return _file(file, line, zh, en, "binary")


def _not_utf8(raw: bytes, exc: UnicodeDecodeError, file: str) -> PackProblem:
    line = raw[: exc.start].count(b"\n") + 1
    column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    bad = shown(raw[exc.start : exc.start + 4])
    try:
        raw.decode("gb18030")
        guess_zh, guess_en = "，似为 GBK/GB18030 编码（旧版编辑器、WPS 默认）", ", apparently GBK/GB18030"
    except UnicodeDecodeError:
        guess_zh = guess_en = ""
    zh = f"不是 UTF-8 编码（第{line}行第{column}个字节处 {bad}{guess_zh}）：请用编辑器另存为 UTF-8"
    en = f"not UTF-8 (line {line}, byte {column}: {bad}{guess_en}): save the file as UTF-8"
    return _file(file, line, zh, en, "not_utf8")


def _syntax(exc: tomllib.TOMLDecodeError, text: str, file: str) -> PackProblem:
    msg = str(exc)
    found = re.search(r"at line (\d+), column (\d+)", msg)
    if found:
        line, col = int(found[1]), int(found[2])
        zh = f"TOML 语法错误（第{line}行第{col}列）：{msg}"
    else:  # "at end of document"
        line = max(1, len(text.splitlines()))
        zh = f"TOML 语法错误（文件末尾）：{msg}"
    return PackProblem(file, line, "TOML", None, zh, f"not valid TOML: {msg}", code="toml_syntax")
