"""Rules of the code that no run shows: each module keeps its private names to itself, and no module-level table is
filled or changed after it is made (a registry that importing a module fills, as page 6's parameters once were)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
       *sorted(p for package in ("explainer", "frame", "lesson") for p in (ROOT / package).glob("*.py"))]
PROJECT = ("explainer", "frame", "lesson")
CHANGES = {"add", "append", "clear", "discard", "extend", "insert", "move_to_end", "pop", "popitem", "remove",
           "setdefault", "update"}
CONTAINERS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(tree: ast.Module, path: Path) -> dict[str, str]:
    """The names a module binds to the project's modules: {local name: module}."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PROJECT:
                    top = alias.name.split(".")[0]
                    bound[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] in PROJECT:
                for alias in node.names:
                    bound[alias.asname or alias.name] = f"{base}.{alias.name}"
    return bound


def private_uses(path: Path) -> list[str]:
    """Private names (a leading underscore, not a dunder) this module takes from another of the project's."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] in PROJECT):
            found += [f"line {node.lineno}: from {node.module} import {a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
    modules = project_modules(tree, path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value
            while isinstance(owner, ast.Attribute):
                owner = owner.value
            if isinstance(owner, ast.Name) and owner.id in modules:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def module_tables(tree: ast.Module) -> set[str]:
    """The names a module binds, at its top level, to a container that could be changed in place."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            value = node.value
            made = isinstance(value, CONTAINERS) or (
                isinstance(value, ast.Call) and getattr(value.func, "id", getattr(value.func, "attr", "")) in
                {"dict", "list", "set", "OrderedDict", "defaultdict", "deque", "Counter"})
            if made:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def table_changes(path: Path, tables: dict[str, set[str]]) -> list[str]:
    """Where this module changes a module-level table, its own or another module's, after it was made."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = tables[module_name(path)]
    modules = project_modules(tree, path)

    def table(node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in own or modules.get(node.id, "").rpartition(".")[2] in tables.get(
                modules.get(node.id, "").rpartition(".")[0], ())
        return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.attr in tables.get(modules.get(node.value.id, ""), ())

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CHANGES \
                and table(node.func.value):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            for target in node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]:
                if isinstance(target, ast.Subscript) and table(target.value):
                    found.append(f"line {node.lineno}: {ast.unparse(target)}")
    return found


@pytest.mark.parametrize("path", APP, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_uses_another_modules_private_names(path):
    assert private_uses(path) == []


@pytest.mark.parametrize("path", APP, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_level_table_is_changed_after_it_is_made(path):
    tables = {module_name(p): module_tables(ast.parse(p.read_text(encoding="utf-8"))) for p in APP}
    assert table_changes(path, tables) == []


def test_the_rules_see_what_they_forbid(tmp_path):
    """The checks above find a private name taken across modules and a registry filled from another module."""
    page = ROOT / "pages" / "_probe.py"
    page.write_text("from frame import store\nfrom explainer.attention import _T\n"
                    "store.REGISTRY.add('x')\nstore.TABLE['a'] = 1\nstore._hidden()\n", encoding="utf-8")
    try:
        assert len(private_uses(page)) == 2
        tables = {"frame.store": {"REGISTRY", "TABLE"}, "pages._probe": set()}
        assert len(table_changes(page, tables)) == 2
    finally:
        page.unlink()
