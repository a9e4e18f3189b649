"""The quarantine on the web: what intake could not accept, each row with its raw text, line,
file and every reason, and a form to correct it and file it as a report.

Access follows the QUARANTINE rules (domain/access.py): a dataset row is public material; a
device's rejected item belongs to its body. Forbidden and missing answer the same 404.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from truce.domain.errors import InvalidInputError
from truce.domain.intake import QuarantinedRow
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.deps import ServicesDep, ViewerDep
from truce.entrypoints.web.i18n import FIELD_LABELS
from truce.entrypoints.web.routes.pages import FormData, form_choices, form_errors

# Report fields a form can hold as text, a device's JSON item fills them in: the report
# form's own fields (as its error summary names them), the observer's apart.
_FORM_FIELDS = tuple(name for name in FIELD_LABELS if not name.startswith("observer_"))


def prefilled(row: QuarantinedRow) -> dict[str, str]:
    """A device's rejected item is JSON: its fields fill the form to be corrected. A dataset
    row's raw text is shown beside an empty form."""
    try:
        item = json.loads(row.raw)
    except ValueError:
        return {}
    if not isinstance(item, dict):
        return {}
    values = {name: str(item[name]) for name in _FORM_FIELDS if item.get(name) is not None}
    observer = item.get("observer")
    if isinstance(observer, dict):
        values.update(
            {f"observer_{k}": str(v) for k, v in observer.items() if v is not None and k != ""}
        )
    return values


def _row_page(
    row: QuarantinedRow,
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    context = {
        "row": row,
        "viewer": viewer,
        "values": values,
        "errors": errors,
        "htmx": False,
        **form_choices(),
    }
    return Template("quarantine_row.html", context=context, status_code=status)


class QuarantinePages(Controller):
    path = "/quarantine"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def list_rows(self, services: ServicesDep, viewer: ViewerDep) -> Template:
        rows = services.intake.quarantine_list(viewer.principal, 200, viewer.address)
        context = {"rows": rows, "viewer": viewer, "htmx": False}
        return Template("quarantine.html", context=context)

    @get("/{row_id:str}", sync_to_thread=True)
    def show_row(self, row_id: FromPath[str], services: ServicesDep, viewer: ViewerDep) -> Template:
        row = services.intake.quarantined_row(row_id, viewer.principal, viewer.address)
        return _row_page(row, viewer, prefilled(row), {})

    @post("/{row_id:str}", sync_to_thread=True)
    def resubmit(
        self, row_id: FromPath[str], data: FormData, services: ServicesDep, viewer: ViewerDep
    ) -> Template | Redirect:
        """File the corrected fields as a report of the member's body; errors come back
        beside their fields with status 422."""
        if viewer.member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        fields: dict[str, Any] = {k: v for k, v in data.items() if k != "_csrf_token"}
        try:
            filed = services.intake.resubmit(row_id, fields, viewer.member, viewer.address)
        except InvalidInputError as error:
            row = services.intake.quarantined_row(row_id)
            return _row_page(row, viewer, data, form_errors(error), HTTP_422_UNPROCESSABLE_ENTITY)
        return Redirect(f"/reports/{filed.report.id}", status_code=HTTP_303_SEE_OTHER)
