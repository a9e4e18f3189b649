"""Named dependencies that handlers ask for; app.py provides them."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency

from truce.bootstrap import Services
from truce.entrypoints.web.assets import FrontendAssets
from truce.entrypoints.web.auth import Viewer

ServicesDep: TypeAlias = NamedDependency[Services]
AssetsDep: TypeAlias = NamedDependency[FrontendAssets]
ViewerDep: TypeAlias = NamedDependency[Viewer]
