"""One reader of a result folder (what ``allocator run`` wrote): summary.json, allocation.csv, waitlist.csv,
approved.xlsx.

``allocator verify``, ``compare`` and ``release`` read an earlier result through :class:`ResultFolder`, each
the same way: summary.json as allocator writes it (UTF-8 JSON, an object, of a sane size), allocation.csv
and waitlist.csv with the ``'`` before formula-like text taken off (:func:`~allocator.store.format.csv_unquote`)
and money as whole yuan; approved.xlsx as the awards a later batch fixes. What cannot be read so is a :class:`ResultFolderError` naming the file, the row and
the value; each command says it in its own words (compare names the side, verify fails a check).

:class:`ResultStore` is what a command needs of a result, wherever it is kept: a folder today, a register in
a database beside it later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from ..core.errors import AllocatorError
from ..core.result import WAITLIST_COLUMNS
from .approved import earlier_awards
from .format import CSV_TEXT, csv_unquote, csv_unquote_frame

#: summary.json bigger than this is not one allocator wrote (100,000 applications: about 30 MB).
MAX_BYTES = 512 * 2**20
HINT = "该目录应为 allocator run 的输出目录 / the folder should be an `allocator run` output folder"
#: allocation.csv's money columns, each whole yuan.
MONEY = ("cap", "award", "city_cost", "district_cost")
#: allocation.csv must hold at least these (the contract's columns a reader uses, and the names a person reads).
REQUIRED = ("application_id", "item", "eligible", "status", "reason", "applicant", "credit_code", *MONEY)
#: waitlist.csv's whole numbers: the rank and the money.
WAITLIST_INTS = ("rank", "cap", "award", "shortfall", "next_award", "next_city_cost", "cumulative_city_cost")
#: Whole numbers beyond this are not yuan allocator wrote (and would overflow int64 in a sum).
TOO_BIG = 2**62


class ResultFolderError(AllocatorError):
    """A result folder that cannot be read as allocator wrote it: a file missing, unreadable or edited."""

    code = "result_folder"


class ResultStore(Protocol):
    """What a command reads of an earlier result, wherever it is kept."""

    def summary(self) -> dict: ...

    def allocation(self, also: tuple[str, ...] = ()) -> pd.DataFrame: ...

    def waitlist(self) -> pd.DataFrame: ...

    def approved(self, batch: int) -> pd.DataFrame: ...


def json_kind(value: object) -> tuple[str, str]:
    """What a JSON value is, in Chinese and in English."""
    return {
        type(None): ("null", "null"),
        bool: ("true/false", "true/false"),
        int: ("整数", "a whole number"),
        float: ("数", "a number"),
        str: ("文字", "text"),
        list: ("列表", "a list"),
        dict: ("对象", "an object"),
    }.get(type(value), (type(value).__name__, type(value).__name__))


@dataclass(frozen=True)
class ResultFolder:
    """The result folder at ``path`` (:class:`ResultStore`); each file is read when asked for."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    def summary(self) -> dict:
        """summary.json as written (a dict), or :class:`ResultFolderError` saying why it cannot be."""
        folder, path = self.path, self.path / "summary.json"
        try:
            if path.stat().st_size > MAX_BYTES:
                raise ResultFolderError(
                    f"{path} 过大（{path.stat().st_size:,} 字节），不是本工具写出的 summary.json",
                    f"{path} is too big ({path.stat().st_size:,} bytes) to be a summary.json allocator wrote",
                    HINT,
                )
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ResultFolderError(
                f"{folder} 不是结果目录：没有 summary.json",
                f"{folder} is not a result folder: no summary.json",
                HINT,
            ) from None
        except RecursionError:
            raise ResultFolderError(
                f"无法读取 {path}：JSON 嵌套层数过深，不是本工具写出的 summary.json（可能被改动）",
                f"cannot read {path}: the JSON is nested too deeply to be a summary.json allocator wrote (edited?)",
                HINT,
            ) from None
        except UnicodeDecodeError as exc:
            raise ResultFolderError(
                f"无法读取 {path}：不是 UTF-8 编码（第 {exc.start + 1} 字节），不是本工具写出的 summary.json",
                f"cannot read {path}: not UTF-8 (byte {exc.start + 1}), not a summary.json allocator wrote",
                HINT,
            ) from None
        except json.JSONDecodeError as exc:
            raise ResultFolderError(
                f"无法读取 {path}：JSON 格式有误，第{exc.lineno}行第{exc.colno}列（{exc.msg}）",
                f"cannot read {path}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})",
                HINT,
            ) from None
        except ValueError:  # an integer of more digits than Python converts (4,300)
            raise ResultFolderError(
                f"无法读取 {path}：有数字位数过多（超过 4,300 位），不是本工具写出的 summary.json",
                f"cannot read {path}: a number has far too many digits (over 4,300) for a summary.json allocator wrote",
                HINT,
            ) from None
        except OSError as exc:
            raise ResultFolderError(f"无法读取 {path}：{exc}", f"cannot read {path}: {exc}", HINT) from None
        if not isinstance(data, dict):
            raise ResultFolderError(
                f"{path} 不是 summary.json：顶层应为对象（{{…}}），实为{json_kind(data)[0]}",
                f"{path} is not a summary.json: the top level is {json_kind(data)[1]}, not an object",
                HINT,
            )
        return data

    def allocation(self, also: tuple[str, ...] = ()) -> pd.DataFrame:
        """allocation.csv: text as written (the ``'`` taken off), :data:`MONEY` as int64 whole yuan,
        ``eligible`` as booleans; every column it has, :data:`REQUIRED` and ``also`` at least."""
        df = self._csv("allocation.csv", (*REQUIRED, *also))
        csv_unquote_frame(df)
        self._whole(df, "allocation.csv", MONEY)
        df["eligible"] = df["eligible"].str.strip().str.lower().eq("true")
        return df

    def waitlist(self) -> pd.DataFrame:
        """waitlist.csv, rank 1 first: the rank and the money as int64, the text as written."""
        df = self._csv("waitlist.csv", WAITLIST_COLUMNS)
        for col in (c for c in CSV_TEXT if c in df.columns):
            df[col] = csv_unquote(df[col])
        self._whole(df, "waitlist.csv", WAITLIST_INTS)
        return df.sort_values("rank", kind="stable").reset_index(drop=True)

    def approved(self, batch: int) -> pd.DataFrame:
        """The awards approved.xlsx fixes for batch ``batch`` (:func:`~allocator.store.approved.earlier_awards`)."""
        return earlier_awards(self.path / "approved.xlsx", batch)

    def _csv(self, name: str, required) -> pd.DataFrame:
        path = self.path / name
        try:
            df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        except FileNotFoundError:
            raise ResultFolderError(
                f"结果目录中没有 {name}：{path}", f"{path} is missing", HINT, code="result_folder.missing"
            ) from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:  # pandas' ParserError is a ValueError
            raise ResultFolderError(
                f"无法读取 {path}：{str(exc)[:200]}",
                f"cannot read {path}: {str(exc)[:200]}",
                HINT,
                code="result_folder.unreadable",
            ) from None
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise ResultFolderError(
                f"{path} 缺少列：{'、'.join(missing)}",
                f"{path} lacks columns {', '.join(missing)}",
                HINT,
                code="result_folder.columns",
            )
        return df

    def _whole(self, df: pd.DataFrame, name: str, columns) -> None:
        """``columns`` of ``df`` as int64 whole numbers, in place; a cell that is not one is an error."""
        for col in columns:
            values = pd.to_numeric(df[col].str.replace(",", "").str.strip(), errors="coerce")
            bad = values.isna() | (values != values.round()) | (values.abs() >= TOO_BIG)
            if bad.any():
                k = int(np.flatnonzero(bad.to_numpy())[0])
                raise ResultFolderError(
                    f"{self.path / name} 第{k + 2}行（{df.at[k, 'application_id']}）列 {col} 不是整数元：{df.at[k, col]!r}",
                    f"{self.path / name} line {k + 2}: {col} {df.at[k, col]!r} is not whole yuan",
                    code="result_folder.money",
                )
            df[col] = values.round().astype("int64")


__all__ = ["HINT", "MONEY", "REQUIRED", "ResultFolder", "ResultFolderError", "ResultStore", "json_kind"]
