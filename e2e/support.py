"""What every browser test does on every page: load it, check the status, the console, axe and the layout.

`visit(page, path)` and `submit(page, locator)` are the only ways tests move between pages, so that no page
a test reaches escapes the checks in `check_page`: an HTTP error status, console errors (a CSP violation
is one), WCAG 2.1 AA violations found by axe-core, and horizontal scrolling.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import ConsoleMessage, Locator, Page, Response

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# WCAG 2.1 level AA, the level GB/T 37668 requires.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEMO_PASSWORD = "zhengxie-demo"


@dataclass(frozen=True)
class Persona:
    username: str
    name: str
    role: str  # as the home page names it
    nav: tuple[str, ...]  # the main navigation they see


_EVERYONE = ("首页", "委员", "提案", "社情民意", "组织机构", "检索", "通知")
PERSONAS: dict[str, Persona] = {p.username: p for p in (
    Persona("admin", "王建国", "委员会管理员", ("首页", "委员", "提案", "提案办理", "社情民意", "组织机构", "审计日志", "账号与角色", "检索", "通知")),
    Persona("clerk", "刘晓燕", "提案工作人员", ("首页", "委员", "提案", "提案办理", "组织机构", "检索", "通知")),
    Persona("editor", "陈思远", "社情民意工作人员", _EVERYONE),
    Persona("unit", "周海涛", "承办单位经办人", ("首页", "提案", "组织机构", "检索", "通知")),
    Persona("leader", "赵志刚", "领导", ("首页", "委员", "提案", "提案办理", "社情民意", "组织机构", "检索", "通知")),
    Persona("member", "张丽华", "委员", _EVERYONE),
    Persona("member2", "孙浩", "委员", _EVERYONE),
)}

_console: dict[Page, list[str]] = {}


def watch(page: Page) -> None:
    """Collect the page's console errors and uncaught exceptions, for `check_page` to fail on."""
    errors: list[str] = []
    _console[page] = errors

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            url = (message.location or {}).get("url", "")
            errors.append(f"{message.text} [{url}]")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught exception: {exc}"))


def unwatch(page: Page) -> None:
    _console.pop(page, None)


def visit(page: Page, path: str, *, status: int = 200) -> Response:
    """Go to `path`, expect `status`, and run every page check. Returns the response."""
    _console[page].clear()
    response = page.goto(path, wait_until="load")
    check_page(page, response, status=status)
    assert response is not None
    return response


def submit(page: Page, locator: Locator, *, status: int = 200) -> Response:
    """Click a link or button that navigates, expect `status` on the page it lands on, and check that page."""
    _console[page].clear()
    with page.expect_navigation(wait_until="load") as navigation:
        locator.click()
    response = navigation.value
    check_page(page, response, status=status)
    assert response is not None
    return response


def check_page(page: Page, response: Response | None, *, status: int = 200) -> None:
    assert response is not None, f"no response for {page.url}"
    assert response.status == status, f"{response.url} answered HTTP {response.status}, expected {status}"
    check_a11y(page)
    check_no_horizontal_scroll(page)
    # Last: the round trips above make sure every console message of the page load has arrived.
    check_console(page, expected_status=status)


def check_console(page: Page, *, expected_status: int = 200) -> None:
    # Chromium reports a 4xx/5xx document as a console error; when the test asked for that status,
    # it is not one.
    expected = f"the server responded with a status of {expected_status}"
    errors = [e for e in _console[page] if not (expected_status >= 400 and expected in e and page.url in e)]
    assert not errors, f"console errors on {page.url}:\n" + "\n".join(errors)


def check_no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, (
        f"{page.url} scrolls sideways: the page is {width[0]}px wide in a {width[1]}px viewport"
    )


_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}"""


def check_a11y(page: Page) -> None:
    """Run axe-core on the page as it is now; a WCAG 2.1 AA violation fails the test with a readable list."""
    # evaluate() goes through the DevTools protocol, so the site's CSP (script-src 'self') does not block it,
    # whereas an injected <script> with inline content would be refused.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE + "\n;undefined")
    violations = page.evaluate(_RUN_AXE, AXE_TAGS)
    if violations:
        lines = [f"{len(violations)} accessibility violation(s) (WCAG 2.1 AA) on {page.url}:"]
        for v in violations:
            count = len(v["nodes"])
            lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({count} element(s)) {v['helpUrl']}")
            for node in v["nodes"][:3]:
                summary = " ".join(node["summary"].split())[:300]
                lines.append(f"    {node['target']}: {summary}")
        pytest.fail("\n".join(lines), pytrace=False)


# ---------------------------------------------------------------------------------------------
# Logging in and out


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form and check the home page greets the persona by name and role."""
    visit(page, "/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    submit(page, page.get_by_role("button", name="登录", exact=True))
    persona = PERSONAS[username]
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == f"{persona.name}，您好", f"{username} did not land on their home page"
    assert persona.role in page.locator("main").inner_text()
    assert urlparse(page.url).path == "/", page.url


def log_out(page: Page) -> None:
    submit(page, page.get_by_role("button", name="退出"))
    assert "/accounts/login/" in page.url
    assert "您已安全退出" in page.locator("main").inner_text()


def main_nav(page: Page) -> list[str]:
    links = page.get_by_role("navigation", name="主导航").get_by_role("link")
    return [t.strip() for t in links.all_inner_texts()]
