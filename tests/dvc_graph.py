"""Checks that the DVC graph says what the code does: each stage runs its script, depends on
every ``equime`` module that script imports (transitively) and on the package data they read,
lists exactly the params keys the stage registry names, and outputs only artifacts."""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path
from typing import Any

import yaml

from equime.runtime import STAGE_PARAMS
from equime.sources import imported_modules, package_data

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"


def load_dvc(path: Path = REPO / "dvc.yaml") -> dict[str, Any]:
    return yaml.safe_load(path.read_text())["stages"]


def stage_body(definition: dict[str, Any]) -> dict[str, Any]:
    """A stage's body (the ``do`` of a foreach stage)."""
    return definition.get("do", definition)


def covered(path: Path, deps: list[str]) -> bool:
    rel = path.resolve().relative_to(REPO)
    return any(rel == Path(d) or Path(d) in rel.parents for d in deps)


def script_of(body: dict[str, Any]) -> str:
    m = re.match(r"python -P (stages/\w+\.py)\b", body["cmd"])
    return m.group(1) if m else ""


def missing_deps(name: str, definition: dict[str, Any]) -> list[str]:
    """What the stage's code reads that its ``deps`` do not cover ([] when complete)."""
    body = stage_body(definition)
    deps = [str(d) for d in body.get("deps", [])]
    script = script_of(body)
    if script != f"stages/{name}.py":
        return [f"runs {body['cmd'].split()[:3]} instead of `python -P stages/{name}.py`"]
    problems = [] if deps[:1] == [script] else [f"{script} (as the first dep)"]
    for module, path in sorted(imported_modules([REPO / script]).items()):
        if not covered(path, deps):
            problems.append(f"{path.relative_to(REPO)} ({module})")
        for data in package_data(path):
            if not covered(SRC / "equime" / data, deps):
                problems.append(f"src/equime/{data} (read by {module})")
    return problems


def extra_deps(name: str, definition: dict[str, Any]) -> list[str]:
    """Source deps the stage's code no longer imports or reads: a change to them would re-run
    the stage for nothing."""
    body = stage_body(definition)
    modules = imported_modules([REPO / script_of(body)]).values()
    used = {p.relative_to(REPO).as_posix() for p in modules} | {
        f"src/equime/{data}" for p in modules for data in package_data(p)}
    return [d for d in map(str, body.get("deps", [])) if d.startswith("src/")
            and not any(u == d or u.startswith(d.rstrip("/") + "/") for u in used)]


def params_mismatch(name: str, definition: dict[str, Any]) -> list[str]:
    """Keys in dvc.yaml's ``params:`` but not in the registry, and the other way round."""
    listed = [str(k).replace("${key}", "{run}") for k in stage_body(definition).get("params", [])]
    registered = list(STAGE_PARAMS.get(name, ()))
    return ([f"dvc.yaml only: {k}" for k in listed if k not in registered]
            + [f"registry only: {k}" for k in registered if k not in listed])


def artifact_paths() -> dict[str, str]:
    """Every artifact module's ``PATH`` (``{run}``/``{name}`` as DVC writes them) → module."""
    import equime.artifacts

    out = {}
    for info in pkgutil.iter_modules(equime.artifacts.__path__):
        module = importlib.import_module(f"equime.artifacts.{info.name}")
        for path in (*([module.PATH] if hasattr(module, "PATH") else []),
                     *getattr(module, "GIT_TABLES", ())):
            out[path.replace("{run}", "${key}")] = module.__name__
    return out


def _paths(body: dict[str, Any], section: str) -> list[str]:
    return [next(iter(e)) if isinstance(e, dict) else e for e in body.get(section, [])]


def non_artifact_outputs(name: str, definition: dict[str, Any]) -> list[str]:
    """Outputs that are not an artifact the script is told to write: every ``outs`` and ``plots``
    path is an artifact module's ``PATH`` passed in the command; every ``metrics`` file is the
    command's ``--metrics`` (the stage's record)."""
    body = stage_body(definition)
    args = body["cmd"].split()
    known = artifact_paths()
    bad = [f"{p} (no artifact module declares it)" for s in ("outs", "plots")
           for p in _paths(body, s) if p not in known]
    bad += [f"{p} (not passed to the script)" for s in ("outs", "plots")
            for p in _paths(body, s) if p not in args]
    bad += [f"{p} (not the script's --metrics)" for p in _paths(body, "metrics")
            if "--metrics" not in args or args[args.index("--metrics") + 1] != p]
    return bad


def stray_files(root: Path) -> list[str]:
    """Files inside a produced artifact folder that its module's ``FILES`` does not name."""
    import equime.artifacts

    stray = []
    for info in pkgutil.iter_modules(equime.artifacts.__path__):
        module = importlib.import_module(f"equime.artifacts.{info.name}")
        patterns = [re.sub(r"\{\w+\}", "*", f) for f in getattr(module, "FILES", ())]
        if not patterns or "*" in patterns:
            continue
        for folder in root.glob(re.sub(r"\{\w+\}", "*", module.PATH)):
            if folder.is_dir() and not folder.name.startswith("."):  # .<out>.items: bookkeeping
                stray += [f"{p.relative_to(root)} ({module.__name__})" for p in folder.rglob("*")
                          if p.is_file() and not any(
                              fnmatch.fnmatch(p.relative_to(folder).as_posix(), pat)
                              for pat in patterns)]
    return sorted(stray)


if __name__ == "__main__":  # what each stage's deps, params and outputs miss
    for stage_name, stage_def in load_dvc().items():
        for problem in (missing_deps(stage_name, stage_def) + params_mismatch(stage_name, stage_def)
                        + non_artifact_outputs(stage_name, stage_def)):
            print(f"{stage_name}: {problem}")
