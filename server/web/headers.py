"""The security headers every page the hub serves carries (the stand, the reports, the visitor's page)."""
from __future__ import annotations

#: Scripts, styles and calls only from the hub itself; never inside another site's frame.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{img}; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def csp(extra_img: str = "") -> str:
    """The policy, with more image sources where a page needs them (e.g. ``blob:`` for charts)."""
    return CSP.format(img=f" {extra_img}" if extra_img else "")


def protect_page(resp, policy: str, no_store=("text/html",), robots: bool = False):
    """Add the headers to ``resp`` (keeping any a view set itself) and return it."""
    resp.headers.setdefault("Content-Security-Policy", policy)
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "no-referrer")  # a token in a URL never leaves in a Referer
    if robots:
        resp.headers.setdefault("X-Robots-Tag", "noindex, nofollow")
    if resp.mimetype in no_store:
        resp.headers["Cache-Control"] = "no-store"
    return resp
