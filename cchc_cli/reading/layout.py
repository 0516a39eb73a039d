"""Where the table starts: the header row below title rows, two-row merged headers, the
row of column numbers under the header, and totals/footer rows at the bottom."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from pydantic import BaseModel

from ..schema.headers import ColumnMap, score_labels
from ..schema.parsers import _number_text, is_blank
from ..schema.text import fold, nfc, squeeze

SCAN_ROWS = 40  # header searched in the first rows
MIN_SCORE = 2  # a header maps at least this many fields

_NUMBER_CELL = re.compile(r"^\(?\s*([0-9]{1,3})\s*\)?$")
# A totals row is recognised by what it is: its label cell says only "Tổng cộng" (or
# "Cộng", "Tổng số", "Tổng", "Total", "Grand total"), optionally followed by a count
# ("Tổng cộng: 12", "Tổng số 12 hồ sơ"), never by a prefix of a real name: "Công an
# phường …", "Công chứng", "Công thương", "Tổng cục Thuế" are units and fields.
_TOTALS_WORDS = ("Tổng cộng", "Tổng số", "Tổng", "Cộng", "Total", "Grand total", "Tổng cộng toàn tỉnh",
                 "Tổng số hồ sơ", "Cộng tổng")
_TOTALS_KEY = re.compile(
    "^(?:" + "|".join(sorted((re.escape(fold(w)) for w in _TOTALS_WORDS), key=len, reverse=True)) + ")"
    r"(?: [0-9]+(?: [0-9]+)*(?: ho so| dossiers?)?)?$")


def cell_text(v: Any) -> str:
    if is_blank(v):
        return ""
    if isinstance(v, str):
        return squeeze(nfc(v))
    if isinstance(v, (int, float)):
        return _number_text(v)
    return str(v)


@dataclass(frozen=True)
class Layout:
    row: int  # 0-based index of the (first) header row
    height: int  # 1 or 2 header rows
    candidates: list[list[str]]  # labels to try, per column
    data_start: int  # 0-based index of the first data row
    number_row: bool  # a "(1) (2) … (n)" row was skipped
    score: int


def _two_row(top: list[str], low: list[str], merged: Sequence | None, r: int) -> list[list[str]]:
    n = max(len(top), len(low))
    top = top + [""] * (n - len(top))
    low = low + [""] * (n - len(low))
    title_at: dict[int, str] = {}
    vertical: set[int] = set()
    if merged:
        for (r0, c0), (r1, c1) in merged:
            if r0 == r and r1 >= r + 1:
                vertical.update(range(c0, c1 + 1))
            elif r0 == r and r1 == r and c1 > c0:
                for c in range(c0, min(c1, n - 1) + 1):
                    title_at[c] = top[c0]
    else:  # no merge information: carry a group title right over empty top cells
        title = ""
        for c in range(n):
            if top[c] and low[c]:
                title = top[c]
                title_at[c] = title
            elif not top[c] and low[c] and title:
                title_at[c] = title
            else:
                title = ""
    out = []
    for c in range(n):
        if c in vertical or not low[c]:
            out.append([top[c]])
        elif c in title_at and title_at[c]:
            out.append([low[c], f"{title_at[c]} {low[c]}"])
        elif top[c]:
            out.append([low[c], f"{top[c]} {low[c]}"])
        else:
            out.append([low[c]])
    return out


def _is_number_row(cells: list[str]) -> bool:
    nums = []
    for c in cells:
        if not c:
            continue
        m = _NUMBER_CELL.match(c)
        if not m:
            return False
        nums.append(int(m.group(1)))
    return len(nums) >= 2 and all(b > a for a, b in zip(nums, nums[1:]))


def find_layout(
    grid: Sequence[Sequence[Any]], model: type[BaseModel], user: ColumnMap,
    merged: Sequence | None = None,
) -> Layout | None:
    """The best header candidate in the first rows of ``grid``, or None."""
    rows = [[cell_text(v) for v in row] for row in grid[: SCAN_ROWS + 2]]
    best: Layout | None = None
    for r in range(min(SCAN_ROWS, len(rows))):
        if not any(rows[r]):
            continue
        one = [[c] for c in rows[r]]
        options = [(score_labels(one, model, user), 1, one)]
        if r + 1 < len(rows) and any(rows[r + 1]):
            two = _two_row(rows[r], rows[r + 1], merged, r)
            options.append((score_labels(two, model, user), 2, two))
        for score, height, cands in options:
            if score < MIN_SCORE:
                continue
            # on a tie, fewer header rows win: a title row above a header is not a header
            if best is None or score > best.score or (score == best.score and height < best.height):
                start = r + height
                number_row = start < len(rows) and _is_number_row(rows[start])
                best = Layout(r, height, cands, start + number_row, number_row, score)
    return best


# A sub-total names what it sums: "Cộng UBND quận Cái Răng", "Tổng cộng lĩnh vực Hộ tịch".
# Read with its diacritics ("Cộng", never "Công": "Công an …", "Công chứng" are names),
# and not the words that begin with "cộng" (cộng đồng, cộng hòa, cộng tác…).
_SUBTOTAL = re.compile(r"^(?:tổng cộng|tổng số|cộng)\s*[:\-–]?\s+(?!(?:đồng|hòa|hoà|tác|sự|hưởng|thêm|dồn|sản)\b)\S")


def is_totals_label(text: Any) -> bool:
    """The label cell of a totals row: the whole cell is a totals word, optionally with a
    count ("Tổng cộng", "TỔNG CỘNG:", "Tổng số 12 hồ sơ"), or a sub-total spelled with its
    diacritics ("Cộng UBND quận Cái Răng"). Never a real name that merely begins like one:
    "Công an phường …", "Công chứng", "Công thương", "Tổng cục Thuế", "Tổng hợp"."""
    if _TOTALS_KEY.match(fold(text)):
        return True
    if not isinstance(text, str):
        return False
    return bool(_SUBTOTAL.match(squeeze(nfc(text)).casefold()))


def column_letter(i: int) -> str:
    """Spreadsheet letter of a 0-based column position: 0 → A, 26 → AA."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def no_header_hint(model: type[BaseModel]) -> str:
    """What to do when no header row is found: the headers cchc looks for (never a cell of
    the file, which may be personal data)."""
    from ..schema.models import field_specs

    examples = [f"'{s.headers.spellings[0]}'" for s in field_specs(model) if s.headers.spellings][:4]
    return (f"cchc tìm trong {SCAN_ROWS} dòng đầu một dòng tiêu đề có ít nhất {MIN_SCORE} cột nhận ra được, như "
            + ", ".join(examples) + ". Kiểm tra đây có đúng là tệp xuất từ phần mềm một cửa; nếu tiêu đề viết khác, "
            "khai báo bằng --columns, ví dụ [columns] dossier_id = \"Số phiếu\".")
