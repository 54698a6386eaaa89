"""Every template compiles and names only filters and tests the app's Jinja has.

Jinja checks a filter or a test written with ``|`` or ``is`` when it compiles, but a test
named by a string (``select("startswith")``) only when that line runs: a saved unit report
with no rows answered 500 that way (issue 10).
"""

from __future__ import annotations

from jinja2 import nodes

#: filter -> (position of the test or filter it names, which kind)
NAMED_BY_STRING = {
    "select": (0, "tests"),
    "reject": (0, "tests"),
    "selectattr": (1, "tests"),
    "rejectattr": (1, "tests"),
    "map": (0, "filters"),
}


def _named(node: nodes.Filter) -> tuple[str, str] | None:
    position, kind = NAMED_BY_STRING.get(node.name, (None, None))
    if position is None or len(node.args) <= position:
        return None
    argument = node.args[position]
    if node.name == "map" and any(k.key == "attribute" for k in node.kwargs):
        return None
    if isinstance(argument, nodes.Const) and isinstance(argument.value, str):
        return kind, argument.value
    return None


def test_every_template_compiles_with_known_filters_and_tests(app):
    env = app.jinja_env
    names = [n for n in env.list_templates() if n.endswith((".html", ".txt", ".xml", ".svg"))]
    assert "macros/answers.html" in names and "base.html" in names
    unknown = []
    for name in names:
        env.get_template(name)  # compiles: an unknown `|filter` or `is test` raises here
        source = env.loader.get_source(env, name)[0]
        for node in env.parse(source).find_all((nodes.Filter, nodes.Test)):
            if isinstance(node, nodes.Test) and node.name not in env.tests:
                unknown.append((name, node.lineno, "test", node.name))
            if isinstance(node, nodes.Filter):
                if node.name not in env.filters:
                    unknown.append((name, node.lineno, "filter", node.name))
                named = _named(node)
                if named is not None and named[1] not in getattr(env, named[0]):
                    unknown.append((name, node.lineno, named[0][:-1], named[1]))
    assert unknown == []


def test_the_check_finds_a_test_named_by_a_string(app):
    env = app.jinja_env
    tree = env.parse('{{ values|select("startswith", "x")|list }}{{ a|map("nofilter") }}')
    found = [_named(n) for n in tree.find_all(nodes.Filter)]
    assert ("tests", "startswith") in found and ("filters", "nofilter") in found
    assert "startswith" not in env.tests
