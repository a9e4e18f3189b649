"""Front-end libraries come from the npm registry through package.json and package-lock.json;
nothing third-party is committed and no CDN is used at run time. This module finds the files
in node_modules and, when they are missing, fetches them with `npm ci`."""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("truce.assets")

# Public name under /vendor/ -> path inside node_modules. Only these are ever served.
VENDOR_FILES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
}


@dataclass(frozen=True, slots=True)
class FrontendAssets:
    root: Path

    def path(self, name: str) -> Path | None:
        relative = VENDOR_FILES.get(name)
        if relative is None:
            return None
        candidate = self.root / "node_modules" / relative
        return candidate if candidate.is_file() else None

    def available(self, name: str) -> bool:
        return self.path(name) is not None

    def complete(self) -> bool:
        return all(self.available(name) for name in VENDOR_FILES)


def ensure_frontend(assets: FrontendAssets, *, install: bool = True) -> bool:
    """Make the vendor files present, running `npm ci` once if needed. Pages still work
    without them (every form is plain HTML); they only lose live refresh."""
    if assets.complete():
        return True
    npm = shutil.which("npm")
    if not install or npm is None or not (assets.root / "package-lock.json").is_file():
        log.warning("front-end libraries missing in %s/node_modules; run `npm ci`", assets.root)
        return False
    log.info("fetching front-end libraries with npm ci")
    result = subprocess.run(  # noqa: S603 - fixed argument list, npm found on PATH
        [npm, "ci", "--no-audit", "--no-fund", "--omit=dev"],
        cwd=assets.root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        log.warning("npm ci failed: %s", result.stderr.strip()[-500:])
    return assets.complete()
