"""Every select of a unit: the tree in order, indented, searchable as Vietnamese is typed.

static/js/unit-picker.js puts a search box above each ``select[data-unit-picker]`` and keeps
the options that hold every word typed (and the units above them), comparing the query,
folded by static/js/search.js, with each option's ``data-search``: the unit's stored
``search_text``, folded on the server by survey_app/search.py. Without JavaScript the select
works as it is.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from survey_app.models.units import Unit
from survey_app.units.services import unit_tree

#: Attributes of the select (WTForms ``render_kw``, or ``|xmlattr`` in a template).
PICKER_ATTRS = {
    "data-unit-picker": "",
    "data-search-label": _l("Find a unit"),
    "data-placeholder": _l("Search by name or code"),
    "data-count-one": _l("1 unit matches."),
    "data-count-many": _l("{n} units match."),
    "data-count-none": _l("No unit matches."),
}

Choice = tuple[str, str, dict[str, str | int]]


def unit_choices(session: Session, blank: str, exclude: Unit | None = None) -> list[Choice]:
    """(code, label, option attributes) in tree order, indented by depth, after a first empty
    choice labelled ``blank``; without ``exclude`` and the units under it."""
    choices: list[Choice] = [("", blank, {})]

    def walk(nodes, depth: int) -> None:
        for node in nodes:
            if exclude is not None and node.unit.id == exclude.id:
                continue
            label = "\u00a0\u00a0" * depth + node.unit.name
            attrs = {"data-depth": depth, "data-search": node.unit.search_text}
            choices.append((node.unit.code, label, attrs))
            walk(node.children, depth + 1)

    walk(unit_tree(session), 0)
    return choices
