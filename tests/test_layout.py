"""The tree keeps its shape: imports run one way, and the flows leave SQL to core.

These rules are the ones ``README.md`` ("Layout") states; each test names the files that
break them, so a wrong import fails the build rather than waiting for a review.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_MAY_IMPORT = ("core.platform", "core.models", "core.money", "core.errors")
FLOW_ENGINE = {"router.py", "state.py"}
SESSION_CALLS = {
    "execute",
    "scalar",
    "scalars",
    "get",
    "add",
    "add_all",
    "delete",
    "flush",
    "refresh",
    "begin_nested",
    "merge",
    "commit",
    "rollback",
    "stream",
}


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _imports(path: Path) -> list[str]:
    """Every module a file imports, absolute (``from core import x`` counts as ``core.x``)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _under(module: str, *packages: str) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def _offences(folder: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in _modules(folder)
        for module in _imports(path)
        if _under(module, *forbidden) and not _under(module, *allowed)
    ]


def test_core_platform_imports_no_business_package() -> None:
    assert _offences("core/platform", ("core", "bot", "web", "app"), PLATFORM_MAY_IMPORT) == []


def test_pricing_stays_pure_with_no_database_or_services() -> None:
    forbidden = ("core", "bot", "web", "app", "sqlalchemy")
    allowed = ("core.pricing", "core.money", "core.errors")
    assert _offences("core/pricing", forbidden, allowed) == []


def test_models_import_no_services() -> None:
    assert _offences("core/models", ("core", "bot", "web", "app"), ("core.models",)) == []


def test_core_imports_nothing_that_talks_to_people() -> None:
    assert _offences("core", ("bot", "web", "app")) == []


def test_bot_imports_neither_the_web_server_nor_the_command() -> None:
    assert _offences("bot", ("web", "app")) == []


def test_flows_do_not_import_the_channel_adapters() -> None:
    assert _offences("bot/flows", ("bot.handlers",)) == []


def test_the_web_server_does_not_import_the_command() -> None:
    assert _offences("web", ("app",)) == []


def _session_uses(path: Path) -> list[str]:
    """``x.session.<call>`` and SQLAlchemy imports in one file, with line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno} imports {module}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for module in _imports_of(node)
        if _under(module, "sqlalchemy")
    ]
    found.extend(
        f"{path.relative_to(ROOT)}:{node.lineno} calls session.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in SESSION_CALLS
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "session"
    )
    return found


def _imports_of(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module] if node.module and node.level == 0 else []


def test_only_the_flow_engine_touches_the_database_session() -> None:
    offences = [
        use
        for path in _modules("bot/flows")
        if path.name not in FLOW_ENGINE or path.parent != ROOT / "bot/flows"
        for use in _session_uses(path)
    ]
    assert offences == []


def test_no_flow_file_is_named_for_the_partner_by_prefix() -> None:
    assert [p.name for p in _modules("bot/flows") if p.name.startswith("partner_")] == []


def test_core_keeps_only_money_and_errors_at_its_top() -> None:
    loose = sorted(p.name for p in (ROOT / "core").glob("*.py"))
    assert loose == ["__init__.py", "errors.py", "money.py"]


def test_every_package_says_what_it_is_for() -> None:
    silent = [
        str(init.relative_to(ROOT))
        for folder in ("app", "bot", "core", "web")
        for init in (ROOT / folder).rglob("__init__.py")
        if ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) is None
    ]
    assert silent == []
