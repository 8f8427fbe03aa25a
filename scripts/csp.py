"""Trunk post-build hook (Trunk.toml): puts Flowbook's Content-Security-Policy at the top
of the built index.html, with the SHA-256 of each inline script Trunk wrote (its wasm
loader, whose text changes with every build) and of the page's own (the service worker's
registration), so that no other script runs in the page.

What the policy allows, and why:
  - scripts and workers from the app's own folder only, and WebAssembly compiled from them;
  - fetches anywhere over HTTP(S) (and of the page's own blob:/data: URLs, as a download
    is read back): the user points the page at their own MLflow server and
    opens trip files and notebooks by URL (ws: for `trunk serve`'s reload socket);
  - images from the app, data: and blob: (charts), and from other hosts, since a Markdown
    image loads once its reader allows it (the notebook holds such images back until then);
  - inline styles (the views set style attributes), no plugins, no <base> elsewhere, forms
    only to the app.
"""
import base64
import hashlib
import os
import re
import sys

POLICY = [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval' {hashes}",
    "worker-src 'self'",
    "connect-src 'self' blob: data: http: https: ws:",
    "img-src 'self' data: blob: http: https:",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)


def main() -> int:
    folder = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "")
    if not folder:
        print("csp.py: set TRUNK_STAGING_DIR (Trunk does) or pass the built folder", file=sys.stderr)
        return 2
    path = os.path.join(folder, "index.html")
    with open(path, encoding="utf-8") as f:
        html = f.read()
    if 'http-equiv="Content-Security-Policy"' in html:
        return 0
    hashes = sorted(
        {
            "'sha256-%s'" % base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
            for body in INLINE_SCRIPT.findall(html)
            if body.strip()
        }
    )
    policy = "; ".join(POLICY).format(hashes=" ".join(hashes))
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}" />'
    # The policy covers only what follows it: it must come first in <head>.
    head = re.search(r"<head\b[^>]*>", html, re.I)
    if not head:
        print(f"csp.py: {path} has no <head>", file=sys.stderr)
        return 1
    html = html[: head.end()] + "\n    " + meta + html[head.end() :]
    with open(path, "w", encoding="utf-8") as f:
        f.write(html)
    print(f"csp.py: Content-Security-Policy with {len(hashes)} inline script hash(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
