"""Browser end-to-end and accessibility tests: Debian's Chromium, driven by Playwright, against the real
server."""
