"""One policy, really (issue 10 §3): who may do what is decided in ``accounts/policy.py`` and the
apps' ``access.py`` alone (docs/permissions.md, "Where a rule may live").

This test reads the code, it does not run it:
- Python (``ast``): no ``may_*`` / ``can_*`` function (or method) is defined elsewhere; no role
  name is written as a string in a comparison, a ``role=`` argument or a constant outside
  ``accounts/roles.py``; no ``Role.X`` is compared outside ``accounts/policy.py``.
- Templates (regular expressions): no ``{% if %}`` compares the ids of organisations or users
  (the view passes a permissions object: ``perms.can_x``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from opentrm.accounts.roles import Role

ROOT = Path(__file__).resolve().parent.parent / "opentrm"
TEMPLATES = ROOT / "templates"

POLICY_FILES = {"accounts/policy.py"}
ROLE_FILES = {"accounts/roles.py"}
# Where ``Role.X`` may be compared: the role matrix itself.
ROLE_COMPARISON_FILES = POLICY_FILES | ROLE_FILES

PENDING: set[tuple[str, str]] = set()

PREDICATE = re.compile(r"^_*(may|can)_")
ROLE_VALUES = frozenset(Role.values)


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _production_modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(ROOT.rglob("*.py")):
        name = _relative(path)
        if "/tests/" in f"/{name}" or "/migrations/" in name:
            continue
        yield name, ast.parse(path.read_text(encoding="utf-8"), filename=name)


def _may_hold_rules(name: str) -> bool:
    return name in POLICY_FILES or name.endswith("/access.py") or name == "access.py"


def predicates_outside_policy(modules: Iterator[tuple[str, ast.Module]]) -> list[str]:
    """``file:line name`` of every permission predicate defined outside the policy files."""
    found = []
    for name, tree in modules:
        if _may_hold_rules(name):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and PREDICATE.match(
                node.name
            ):
                found.append(f"{name}:{node.lineno} {node.name}")
    return found


def _is_role_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in ROLE_VALUES


def _literals_in(node: ast.AST) -> Iterator[ast.AST]:
    """The node itself, or the elements of a tuple/list/set literal."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        yield from node.elts
    else:
        yield node


def _is_role_member(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
    )


def role_literals_outside_roles(modules: Iterator[tuple[str, ast.Module]]) -> list[str]:
    """``file:line`` of every role decided by its name outside accounts/roles.py: a role code
    as a string compared, passed as ``role=...`` or bound to a constant; ``Role.X`` compared
    outside the role matrix."""
    found = []
    for name, tree in modules:
        for node in ast.walk(tree):
            suspects: list[ast.AST] = []
            members: list[ast.AST] = []
            if isinstance(node, ast.Compare):
                for operand in [node.left, *node.comparators]:
                    suspects.extend(_literals_in(operand))
                    members.extend(_literals_in(operand))
            elif isinstance(node, ast.keyword) and node.arg and "role" in node.arg:
                suspects.extend(_literals_in(node.value))
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                suspects.extend(_assigned_literals(node))
            line = getattr(node, "lineno", 0)
            if name not in ROLE_FILES and any(_is_role_literal(s) for s in suspects):
                found.append(f"{name}:{line} role code as a string")
            if name not in ROLE_COMPARISON_FILES and any(_is_role_member(m) for m in members):
                found.append(f"{name}:{line} Role compared by name")
    return found


def _assigned_literals(node: ast.Assign | ast.AnnAssign) -> list[ast.AST]:
    """A constant bound to a name (``COORDINATOR = "national_coordinator"``), or the elements
    of a collection bound to a name that speaks of roles (``COORDINATING_ROLES = {...}``).
    Lists of field names ("guardian", "case_manager") and choices of other vocabularies
    (``NAME = "code", _("Label")``) share words with roles and are left alone."""
    assert node.value is not None
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = " ".join(ast.unparse(target) for target in targets)
    if isinstance(node.value, ast.Constant):
        return [node.value]
    return list(_literals_in(node.value)) if "role" in names.lower() else []


# {% if a.organisation_id == actor.organisation_id %}, {% elif x.user_id != actor.user.pk %} ...
IF_TAG = re.compile(r"{%-?\s*(?:el)?if\b(.*?)-?%}", re.S)
COMPARISON = re.compile(r"([\w.]+)\s*(?:==|!=)\s*([\w.]+)")
ID_LIKE = re.compile(r"(?:_id|\.id|\.pk)$")
WHO = re.compile(r"organisation|user|actor|owner|_by_id$|member")


def id_comparisons(text: str) -> list[str]:
    """The comparisons of organisation or user ids in a template's ``{% if %}`` tags."""
    found = []
    for tag in IF_TAG.finditer(text):
        for left, right in COMPARISON.findall(tag.group(1)):
            ids = ID_LIKE.search(left) and ID_LIKE.search(right)
            if ids and (WHO.search(left) or WHO.search(right)):
                found.append(f"{left} vs {right}")
    return found


def templates_comparing_ids() -> list[str]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for hit in id_comparisons(path.read_text(encoding="utf-8")):
            found.append(f"templates/{path.relative_to(TEMPLATES).as_posix()}: {hit}")
    return found


def test_it_finds_no_permission_predicate_outside_the_policy_and_access_modules() -> None:
    found = predicates_outside_policy(_production_modules())
    pending = {f"{file} {func}" for file, func in PENDING}
    unexpected = [hit for hit in found if f"{hit.split(':')[0]} {hit.split()[-1]}" not in pending]
    assert unexpected == [], "decide it with can()/a rule in an access.py: " + ", ".join(unexpected)
    moved = pending - {f"{hit.split(':')[0]} {hit.split()[-1]}" for hit in found}
    assert moved == set(), f"no longer pending, take it off PENDING: {sorted(moved)}"


def test_it_finds_no_role_decided_by_its_name_outside_the_roles_module() -> None:
    assert role_literals_outside_roles(_production_modules()) == []


def test_it_finds_no_template_comparing_organisation_or_user_ids() -> None:
    assert templates_comparing_ids() == []


# --- the detectors themselves: each catches what it is for, and no more ---------------------


def _module(source: str, name: str = "cases/services/x.py") -> Iterator[tuple[str, ast.Module]]:
    yield name, ast.parse(source)


@pytest.mark.parametrize(
    "source",
    [
        "def may_see(actor, case):\n    return True\n",
        "def can_edit(actor, case):\n    return True\n",
        "class A:\n    def may_view_cases(self):\n        return True\n",
        "async def _may_view(actor):\n    return True\n",
    ],
)
def test_it_catches_a_predicate_written_in_a_service(source: str) -> None:
    assert predicates_outside_policy(_module(source)) != []


def test_it_allows_predicates_in_the_policy_and_the_access_modules() -> None:
    source = "def can_edit(actor, case):\n    return True\n"
    assert predicates_outside_policy(_module(source, "accounts/policy.py")) == []
    assert predicates_outside_policy(_module(source, "cases/access.py")) == []
    assert predicates_outside_policy(_module("def mayor(x):\n    return x\n")) == []


@pytest.mark.parametrize(
    "source",
    [
        'ok = actor.role == "national_coordinator"\n',
        'ok = membership.role in ("caseworker", "guardian")\n',
        'qs = Membership.objects.filter(role="case_manager")\n',
        'COORDINATOR = "national_coordinator"\n',
        '_COORDINATING_ROLES = {"case_manager", "guardian"}\n',
        "ok = actor.role == Role.CASE_MANAGER\n",
        "ok = actor.role in {Role.CASE_MANAGER, Role.GUARDIAN}\n",
    ],
)
def test_it_catches_a_role_decided_by_its_name(source: str) -> None:
    assert role_literals_outside_roles(_module(source)) != []


@pytest.mark.parametrize(
    "source",
    [
        'fields = ["case_manager"]\n',  # a field that shares a role's word
        'NATIONAL_COORDINATOR = "national_coordinator", _("National coordinator")\n',
        "allowed = actor.may(Action.CASE_DELETE)\n",
        "ROLES = (Role.NATIONAL_COORDINATOR, Role.CASE_MANAGER)\n",
    ],
)
def test_it_leaves_other_uses_of_a_role_word_alone(source: str) -> None:
    assert role_literals_outside_roles(_module(source)) == []


def test_it_allows_role_names_in_the_roles_module_and_comparisons_in_the_matrix() -> None:
    assert role_literals_outside_roles(_module('X = "caseworker"\n', "accounts/roles.py")) == []
    matrix = "ok = role == Role.CASEWORKER\n"
    assert role_literals_outside_roles(_module(matrix, "accounts/policy.py")) == []


@pytest.mark.parametrize(
    "template",
    [
        "{% if case.owner_organisation_id == actor.organisation_id %}x{% endif %}",
        "{% if may_edit and assessment.organisation_id == request.actor.organisation_id %}",
        "{% elif membership.user_id != actor.user.pk %}",
        "{% if grant.requested_by_id == actor.user.pk %}",
    ],
)
def test_it_catches_a_template_comparing_ids(template: str) -> None:
    assert id_comparisons(template) != []


@pytest.mark.parametrize(
    "template",
    [
        "{% if perms.can_edit %}",
        "{% if view.version.pk == summary.governing.pk %}",  # which version governs
        "{% if kind == value %}",
        "{{ case.owner_organisation_id }}",
    ],
)
def test_it_leaves_other_template_comparisons_alone(template: str) -> None:
    assert id_comparisons(template) == []
