"""Charts as SVG, drawn server-side with matplotlib (no JavaScript, nothing fetched: the
HTML report opens offline and prints as it shows). Text stays text in the SVG (the
browser's fonts draw the Vietnamese diacritics)."""

from __future__ import annotations

import io
import re

from ...i18n import pct
from ..model import Chart

PALETTE = ["#1f5fa8", "#e08a1e", "#4e9a45", "#b23a48", "#7a5ca8", "#5b8a9a", "#a8a23a", "#8c564b"]
TARGET = "#c00000"


def _wrap(s: str, width: int = 34) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(s, width)) or s


def render(ch: Chart, lang: str = "vi") -> str:
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    rc = {"svg.fonttype": "none", "svg.hashsalt": f"cchc-{ch.key}", "font.family": ["Noto Sans", "DejaVu Sans", "sans-serif"],
          "font.size": 8.5,
          "axes.spines.top": False, "axes.spines.right": False,
          # "$…$" in a unit name is text, never mathtext or TeX
          "text.parse_math": False, "text.usetex": False}
    with matplotlib.rc_context(rc):
        n = max(1, len(ch.categories))
        pal = ch.colours or PALETTE
        if ch.kind == "pie":
            size = (6.0, 3.4)
        elif ch.kind == "line":
            size = (6.4, 3.4)
        else:
            size = (6.4, 1.3 + 0.3 * n * max(1, len(ch.series) if ch.kind == "bar" else 1))
        fig = Figure(figsize=size, layout="constrained")
        ax = fig.add_subplot()
        fig.suptitle(ch.title, fontsize=10.5, fontweight="bold", x=0.01, ha="left")
        if ch.kind == "pie":
            vals = [v or 0 for v in ch.series[0][1]]
            keep = [(c, v) for c, v in zip(ch.categories, vals) if v]
            wedges, _t, _a = ax.pie([v for _, v in keep], colors=pal[: len(keep)], startangle=90, counterclock=False,
                                    autopct=lambda p: pct(p / 100, 1, lang), pctdistance=0.75,
                                    wedgeprops={"linewidth": 1, "edgecolor": "white"})
            ax.legend(wedges, [f"{c} ({v:,})".replace(",", "." if lang == "vi" else ",") for c, v in keep],
                      loc="center left", bbox_to_anchor=(1, 0.5), frameon=False)
            ax.set_aspect("equal")
        elif ch.kind == "line":
            x = list(range(len(ch.categories)))
            for i, (name, vals) in enumerate(ch.series):
                ax.plot(x, [float("nan") if v is None else v for v in vals], marker="o", color=pal[i % len(pal)],
                        label=name)
            ax.set_xticks(x, ch.categories)
            ax.grid(axis="y", color="#dddddd")
            ax.legend(frameon=False, fontsize=8, loc="best")
        else:
            cats = [_wrap(c) for c in ch.categories]
            y = list(range(n))
            if ch.kind == "stacked":
                left = [0.0] * n
                for i, (name, vals) in enumerate(ch.series):
                    v = [float(x or 0) for x in vals]
                    ax.barh(y, v, left=left, color=pal[i % len(pal)], label=name, height=0.65)
                    left = [a + b for a, b in zip(left, v)]
            else:
                k = len(ch.series)
                h = 0.8 / k
                for i, (name, vals) in enumerate(ch.series):
                    off = [yy - 0.4 + h * (i + 0.5) for yy in y]
                    v = [0.0 if x is None else float(x) for x in vals]
                    bars = ax.barh(off, v, height=h * 0.92, color=pal[i % len(pal)], label=name)
                    ax.bar_label(bars, labels=["—" if x is None else (pct(x, 1, lang) if ch.percent else f"{x:,}")
                                               for x in vals], padding=2, fontsize=7.5)
                if ch.target is not None:
                    first = True
                    for yy, tv in zip(y, ch.target):
                        if tv is None:
                            continue
                        ax.vlines(tv, yy - 0.45, yy + 0.45, colors=TARGET, linestyles="dashed", linewidth=1.6,
                                  label=ch.target_title if first else None)
                        first = False
            ax.set_yticks(y, cats)
            ax.invert_yaxis()
            ax.grid(axis="x", color="#dddddd")
            ax.set_axisbelow(True)
            if ch.kind != "stacked" and (len(ch.series) > 1 or ch.target is not None) or ch.kind == "stacked":
                ax.legend(frameon=False, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                          ncol=min(4, len(ch.series) + 1))
        if ch.kind != "pie":
            if ch.percent:
                axis = ax.yaxis if ch.kind == "line" else ax.xaxis
                axis.set_major_formatter(PercentFormatter(1.0, decimals=0))
                (ax.set_ylim if ch.kind == "line" else ax.set_xlim)(0, 1.12 if ch.kind != "line" else 1.02)
            elif ch.kind != "line":
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{int(v):,}".replace(",", ".")))
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "cchc"})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    # scale with the page: the viewBox stays, the fixed size goes to CSS
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', svg, count=1)
    return svg.replace("<svg", f'<svg role="img" aria-label="{_attr(ch.title)}" class="chart-svg"', 1)


def _attr(s: str) -> str:
    import html

    return html.escape(s, quote=True)
