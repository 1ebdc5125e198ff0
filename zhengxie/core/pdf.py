"""PDF from a print-styled HTML page, by headless Chromium (`--print-to-pdf`).

Why Chromium: it is already a Debian package the project installs (for the browser tests, with
fonts-noto-cjk), so PDFs need no new Python dependency; it shapes and embeds CJK text from the system's
Noto CJK fonts (subset), and the same HTML/CSS is the page's print layout. reportlab would be a new pip
dependency that cannot use the CFF-outline Noto CJK fonts (TrueType only) and would need a second
layout written in its own API; fpdf2 likewise. The price is a subprocess of about a second per file,
which is fine for an export someone clicks.

The HTML is rendered from our own templates (user text escaped); the page is opened from a private
temporary folder with scripts and all loads blocked by a CSP in the template, and the browser is given
an unreachable proxy so nothing is fetched from the network whatever the page says.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 60  # seconds: a cold start on a busy two-core machine


class PdfUnavailable(RuntimeError):
    """No browser to print with on this server (the message is for the person who asked)."""


def chromium_path() -> str | None:
    configured = os.environ.get("ZHENGXIE_CHROMIUM", "").strip()
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str) -> bytes:
    """Print `html` (a complete document with its own `@page` rules) to PDF bytes."""
    browser = chromium_path()
    if browser is None:
        raise PdfUnavailable("服务器未安装 PDF 生成组件，请下载 Word 版。")
    with tempfile.TemporaryDirectory(prefix="zx-pdf-") as tmp:
        page, out = Path(tmp) / "page.html", Path(tmp) / "out.pdf"
        page.write_text(html, encoding="utf-8")
        cmd = [browser, "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-extensions", "--disable-background-networking", "--mute-audio",
               "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
               f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer", f"--print-to-pdf={out}",
               page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
        try:
            subprocess.run(cmd, check=True, timeout=TIMEOUT, capture_output=True, env={**os.environ, "HOME": tmp})
        except (subprocess.SubprocessError, OSError) as exc:
            raise PdfUnavailable("PDF 生成失败，请稍后重试或下载 Word 版。") from exc
        if not out.exists() or out.stat().st_size == 0:
            raise PdfUnavailable("PDF 生成失败，请稍后重试或下载 Word 版。")
        return out.read_bytes()
