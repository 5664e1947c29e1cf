#!/usr/bin/env python3
"""Trunk post-build hook: allow exactly the inline scripts Trunk generated.

The page's Content-Security-Policy forbids every remote origin and inline script; Trunk's
loader is an inline <script type="module">. We hash each inline script (sha256, base64, as CSP
specifies) and replace the CSP-SCRIPT-HASHES placeholder with those hashes.
"""
import base64, hashlib, os, re, sys

path = os.path.join(os.environ.get("TRUNK_STAGING_DIR", sys.argv[1] if len(sys.argv) > 1 else "dist"), "index.html")
html = open(path, encoding="utf-8").read()
scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
hashes = " ".join(
    "'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() for s in scripts
)
html = html.replace("CSP-SCRIPT-HASHES", hashes)
open(path, "w", encoding="utf-8").write(html)
