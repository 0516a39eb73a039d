"""Open an HTML report in a real headless browser — Debian's Chromium through the DevTools
protocol (playwright), with the network cut off — check that it drew, and take a
screenshot. Used by the browser test and by ``make screenshot``; never by the command line
(playwright is a test dependency).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


def unavailable() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return "no Chromium on this machine (Debian: apt-get install chromium fonts-noto-core)"
    return None


@dataclass
class PageCheck:
    charts: list[dict] = field(default_factory=list)  # key, width, height, shapes
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # anything the page tried to fetch
    forms: int = 0
    tables: int = 0
    title: str = ""


def open_report(html: Path, screenshot: Path | None = None, width: int = 1280, height: int = 900,
                full_page: bool = False, clip_height: int | None = None) -> PageCheck:
    """Load ``html`` offline, wait for the charts, measure them, collect console errors,
    and save a screenshot when asked."""
    from playwright.sync_api import sync_playwright

    out = PageCheck()
    profile = tempfile.mkdtemp(prefix="cchc-chromium-")
    try:
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(
                profile, executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS,
                viewport={"width": width, "height": height}, offline=True, device_scale_factor=1)
            try:
                def route(r):
                    if not r.request.url.startswith(("file:", "data:", "about:")):
                        out.requests.append(r.request.url)
                        return r.abort()
                    return r.continue_()

                ctx.route("**/*", route)
                page = ctx.new_page()
                page.on("console", lambda m: out.console_errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: out.console_errors.append(str(e)))
                page.on("requestfailed", lambda r: out.requests.append(r.url) if not r.url.startswith("file:") else None)
                page.goto(Path(html).resolve().as_uri(), wait_until="load")
                page.wait_for_selector("figure.chart svg", state="visible", timeout=10_000)
                out.title = page.title()
                out.charts = page.eval_on_selector_all(
                    "figure.chart", """els => els.map(f => { const s = f.querySelector('svg');
                        const b = s ? s.getBoundingClientRect() : {width: 0, height: 0};
                        return {key: f.dataset.chart, width: b.width, height: b.height,
                                shapes: s ? s.querySelectorAll('path, rect, line, polyline').length : 0}; })""")
                out.forms = page.locator("table.form06").count()
                out.tables = page.locator("table.data").count()
                if screenshot is not None:
                    Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                    if clip_height:
                        page.set_viewport_size({"width": width, "height": clip_height})
                    page.screenshot(path=str(screenshot), full_page=full_page)
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return out


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 2300, colours: int = 96) -> PageCheck:
    """The top of the report (the form and the first charts) as a small PNG: the
    screenshot, reduced to a palette of ``colours``."""
    check = open_report(html, png, width=width, height=height)
    try:
        from PIL import Image

        with Image.open(png) as im:
            small = im.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT)
        small.save(png, optimize=True)
    except ImportError:  # Pillow comes with matplotlib; without it the PNG stays as taken
        pass
    return check


def main(argv: list[str] | None = None) -> int:
    """python -m cchc_cli.render.browser REPORT.html OUT.png"""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.stderr.write("usage: python -m cchc_cli.render.browser REPORT.html OUT.png\n")
        return 2
    why = unavailable()
    if why:
        sys.stderr.write(f"screenshot: {why}\n")
        return 1
    check = screenshot(Path(args[0]), Path(args[1]))
    drawn = sum(1 for c in check.charts if c["width"] > 0 and c["height"] > 0)
    sys.stdout.write(f"{args[1]}: {check.forms} forms, {check.tables} tables, {drawn}/{len(check.charts)} charts drawn, "
                     f"{len(check.console_errors)} console errors, {len(check.requests)} network requests\n")
    return 0 if not check.console_errors and drawn == len(check.charts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
