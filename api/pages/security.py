"""The headers every page carries: a Content-Security-Policy that allows only this origin, and its companions.

`default-src 'self'` with no exception for scripts: no inline script, no eval, no other host. Fonts and images
may also be `data:` URIs (GraphiQL's stylesheet embeds its fonts that way). Styles: see `policy`. Found out in
Chromium by recording `securitypolicyviolation` events while using every panel of GraphiQL: nothing needs eval
or inline scripts; CodeMirror sets styles through the CSSOM, which a policy does not restrict.
"""

from __future__ import annotations

from starlette.responses import HTMLResponse

SAME_ORIGIN_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


def policy(*, inline_style_elements: bool = False) -> str:
    """The page's Content-Security-Policy. `inline_style_elements` allows `<style>` elements a script adds, not
    `style` attributes: GraphiQL's dialogs (react-remove-scroll) add one to lock the page's scrolling. A browser
    without CSP 3's `style-src-elem` falls back to `style-src 'self'`, and only the scroll lock is lost."""
    styles = ["style-src 'self'"]
    if inline_style_elements:
        styles.append("style-src-elem 'self' 'unsafe-inline'")
    return "; ".join((*SAME_ORIGIN_POLICY, *styles))


def page_response(html: str, content_security_policy: str) -> HTMLResponse:
    return HTMLResponse(
        html,
        headers={
            "content-security-policy": content_security_policy,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "cache-control": "no-cache",
        },
    )
