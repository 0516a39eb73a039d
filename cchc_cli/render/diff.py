"""diff outputs: summary first, then what improved and regressed, units that moved between
pass and fail, dossiers added/removed/changed, and edits after the fact."""

from __future__ import annotations

from ..i18n import pct, t
from ..kpis.definitions import BY_CODE
from .model import Pct, Styled, Table
from .targets import group_text

CHANGE = {"improved": ("cải thiện", "improved"), "regressed": ("giảm", "regressed"), "unchanged": ("không đổi", "unchanged"),
          "new": ("mới", "new"), "gone": ("không còn", "gone")}
ORDER = {"regressed": 0, "improved": 1, "new": 2, "gone": 3, "unchanged": 4}
FLAGS = {"late_to_on_time": ("trễ hạn → đúng hạn", "late → on time"), "on_time_to_late": ("đúng hạn → trễ hạn", "on time → late"),
         "finished_earlier": ("ngày có kết quả lùi sớm hơn", "finish date moved earlier"),
         "due_later": ("ngày hẹn trả dời muộn hơn", "due date moved later"),
         "received_later": ("ngày tiếp nhận dời muộn hơn", "receipt date moved later")}


def _l(pair, lang):
    return pair[0] if lang == "vi" else pair[1]


def _pp(delta, lang):
    if delta is None:
        return "—"
    s = f"{delta * 100:+.2f}"
    return (s.replace(".", ",") + " điểm %") if lang == "vi" else s + " pp"


def summary_table(d, lang: str) -> Table:
    s = d.summary
    vi = lang == "vi"
    tb = Table("summary", "Tóm tắt thay đổi" if vi else "Summary of changes", ["" , t("count", lang)], numeric={1})
    rows = [("improved", "Chỉ tiêu cải thiện", "KPIs improved"), ("regressed", "Chỉ tiêu giảm", "KPIs regressed"),
            ("unchanged", "Không đổi", "Unchanged"), ("new", "Mới có dữ liệu", "New"), ("gone", "Không còn dữ liệu", "Gone")]
    if d.targets_name:
        rows += [("fail_to_pass", "Từ không đạt → đạt", "Fail → pass"), ("pass_to_fail", "Từ đạt → không đạt", "Pass → fail")]
    if d.dossiers is not None:
        rows += [("dossiers_added", "Hồ sơ thêm mới", "Dossiers added"), ("dossiers_removed", "Hồ sơ bị bỏ", "Dossiers removed"),
                 ("dossiers_changed", "Hồ sơ bị sửa", "Dossiers changed"),
                 ("edited_after_the_fact", "Hồ sơ đã giải quyết bị sửa sau", "Resolved dossiers edited after the fact")]
    for key, vi_l, en_l in rows:
        tb.rows.append([vi_l if vi else en_l, s[key]])
    tb.notes.append(("Cũ: " if vi else "Old: ") + f"{d.old.origin} ({d.old.period.start} – {d.old.period.end})")
    tb.notes.append(("Mới: " if vi else "New: ") + f"{d.new.origin} ({d.new.period.start} – {d.new.period.end})")
    if d.fail_on_regression is not None:
        bad = d.regressions_over(d.fail_on_regression)
        tb.notes.append((f"Giảm quá {d.fail_on_regression} điểm %: {len(bad)}" if vi
                         else f"Regressed by more than {d.fail_on_regression} pp: {len(bad)}"))
    return tb


def kpi_table(d, lang: str, only_changed: bool = True) -> Table:
    vi = lang == "vi"
    cols = [t("kpi", lang), "Nhóm" if vi else "Group", "Cũ" if vi else "Old", "Mới" if vi else "New",
            "Chênh lệch" if vi else "Delta", "Thay đổi" if vi else "Change"]
    if d.targets_name:
        cols += ["Chỉ tiêu cũ → mới" if vi else "Target old → new"]
    tb = Table("kpis", "Chỉ tiêu thay đổi" if vi else "KPI changes", cols, numeric={2, 3, 4})
    rows = [c for c in d.kpis if not only_changed or c["change"] != "unchanged"]
    rows.sort(key=lambda c: (ORDER[c["change"]], c["kpi"], group_text(c["group"])))
    for c in rows:
        r = [BY_CODE[c["kpi"]].label(lang), group_text(c["group"], lang), Pct(c["old"]), Pct(c["new"]), _pp(c["delta"], lang),
             Styled(_l(CHANGE[c["change"]], lang), c["change"])]
        if d.targets_name:
            r.append(f"{c.get('old_status') or '—'} → {c.get('new_status') or '—'}")
        tb.rows.append(r)
    return tb


def moved_table(d, lang: str) -> Table:
    vi = lang == "vi"
    tb = Table("moved", "Đơn vị chuyển đạt/không đạt" if vi else "Groups that moved between pass and fail",
               [t("kpi", lang), "Nhóm" if vi else "Group", "Cũ" if vi else "Old", "Mới" if vi else "New", "Thay đổi" if vi else "Move"])
    for m in d.moved:
        tb.rows.append([BY_CODE[m["kpi"]].label(lang), group_text(m["group"], lang), Pct(m["old"]), Pct(m["new"]),
                        Styled(f"{m['from']} → {m['to']}", "pass" if m["to"] == "pass" else "fail")])
    return tb


def after_table(d, lang: str) -> Table:
    vi = lang == "vi"
    tb = Table("after_the_fact", "Hồ sơ đã giải quyết bị sửa sau" if vi else "Resolved dossiers edited after the fact",
               ["dossier_id", t("field_name", lang), "Cũ" if vi else "Old", "Mới" if vi else "New", "Ảnh hưởng" if vi else "Effect"])
    for r in d.dossiers.after_the_fact:
        flags = ", ".join(_l(FLAGS[f], lang) for f in r["flags"])
        for i, (f, v) in enumerate(r["fields"].items()):
            tb.rows.append([r["dossier_id"] if i == 0 else "", f, v["old"], v["new"],
                            Styled(flags, "fail") if i == 0 and flags else ""])
    for imp in d.dossiers.impact:
        tb.notes.append(f"{BY_CODE[imp['kpi']].label(lang)}: {pct(imp['value_without_edits'], 2, lang)} → "
                        f"{pct(imp['value_with_edits'], 2, lang)} ({_pp(imp['delta'], lang)}; "
                        f"{t('numerator', lang).lower()} {imp['numerator_change']:+d}, {t('denominator', lang).lower()} {imp['denominator_change']:+d})")
    return tb


def changes_table(d, lang: str) -> Table:
    vi = lang == "vi"
    dd = d.dossiers
    tb = Table("changes", "Hồ sơ thay đổi" if vi else "Dossier changes",
               ["dossier_id", t("field_name", lang), "Cũ" if vi else "Old", "Mới" if vi else "New"])
    for c in dd.changes:
        tb.rows.append([c["dossier_id"], c["field"], c["old"], c["new"]])
    tb.notes.append(("Thêm: " if vi else "Added: ") + f"{dd.added}; " + ("bỏ: " if vi else "removed: ") + f"{dd.removed}; "
                    + ("sửa: " if vi else "changed: ") + f"{dd.changed} (" + ", ".join(f"{k}: {v}" for k, v in dd.by_field.items()) + ")")
    if dd.changed and len(dd.changes) < sum(dd.by_field.values()):
        tb.notes.append((f"Chỉ liệt kê {len(dd.changes)} thay đổi đầu tiên." if vi else f"Only the first {len(dd.changes)} changes are listed."))
    for side, v in dd.duplicates.items():
        if v["rows"]:
            tb.notes.append(f"{side}: " + (f"{v['rows']} dòng trùng mã hồ sơ, {v['conflicts']} có dữ liệu khác nhau" if vi
                                           else f"{v['rows']} duplicate rows, {v['conflicts']} disagreeing"))
    return tb


def diff_tables(d, lang: str) -> list[Table]:
    tables = [summary_table(d, lang), kpi_table(d, lang)]
    if d.moved:
        tables.append(moved_table(d, lang))
    if d.dossiers is not None:
        if d.dossiers.after_the_fact:
            tables.append(after_table(d, lang))
        tables.append(changes_table(d, lang))
    return tables


def diff_csv_rows(d) -> tuple[list[str], list[list]]:
    header = ["kpi"] + list(d.group_by) + ["old", "new", "delta", "change", "old_numerator", "old_denominator",
                                            "new_numerator", "new_denominator", "old_status", "new_status"]
    rows = []
    for c in d.kpis:
        rows.append([c["kpi"]] + [c["group"].get(k) for k in d.group_by] + [
            c["old"], c["new"], c["delta"], c["change"], c["old_numerator"], c["old_denominator"],
            c["new_numerator"], c["new_denominator"], c.get("old_status"), c.get("new_status")])
    return header, rows
