"""The README and docs/ say nothing stale: every `equime` command they show exists (and each
command line of a code block parses: its options and arguments), every params key they set
(`-S key=value`) is in params.yaml, every path, script and make target they name is there, every
link between them resolves."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
import typer.main
import yaml

from equime.cli import app
from tests.fixtures import REPO

DOCS = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
# code: fenced blocks and inline spans, where commands, keys and paths are written
_FENCED = re.compile(r"```[^\n]*\n(.*?)```", re.S)
_SPAN = re.compile(r"`([^`\n]+)`")
_ROOTS = ("src/", "stages/", "benchmarks/", "tests/", "docker/", ".ci/", "docs/", "tools/")


def _code(doc: Path) -> list[str]:
    text = doc.read_text(encoding="utf-8")
    blocks = _FENCED.findall(text)
    return [*blocks, *_SPAN.findall(_FENCED.sub("", text))]


def _cli_path(words: list[str]) -> str | None:
    """The longest known command path that ``words`` start with, or None when the first word
    names no command."""
    command = typer.main.get_command(app)
    known = []
    for word in words:
        subs = getattr(command, "commands", None)
        if not subs or word not in subs:
            break
        command, known = subs[word], [*known, word]
    return " ".join(known) or None


def _parse_problem(line: str) -> str | None:
    """Why the command line ``line`` (``equime …`` as a fenced block shows it: a command, its
    options and arguments, up to a comment or a shell operator) would not parse, or None: the
    CLI's own parser (click's) reads it, unknown options and missing values included."""
    words = shlex.split(re.split(r"\s(?:#|&&|\|\|?|;|>)", line, maxsplit=1)[0])[1:]
    command = typer.main.get_command(app)
    path = []
    while words and words[0] in getattr(command, "commands", {}):
        command, path = command.commands[words[0]], [*path, words.pop(0)]
    if "--help" in words:
        return None
    try:
        command.make_context(" ".join(["equime", *path]), words)
    except typer.TyperException as exc:  # click's usage errors (Typer bundles its own click)
        return f"`{line.strip()}`: {exc.format_message()}"  # type: ignore[attr-defined]
    return None


def _params_has(key: str) -> bool:
    node = yaml.safe_load((REPO / "params.yaml").read_text())
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def stale(doc: Path) -> list[str]:
    """What ``doc`` names that does not exist (commands, params keys, make targets, paths,
    links), one line each."""
    problems = []
    targets = set(re.findall(r"^([a-z][\w-]*):", (REPO / "Makefile").read_text(), re.M))
    for block in _FENCED.findall(doc.read_text(encoding="utf-8")):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith("equime ") and _cli_path(line.split()[1:]) is not None \
                    and (problem := _parse_problem(line)):
                problems.append(problem)
    for code in _code(doc):
        for m in re.finditer(r"(?:^|[\s`(])equime ((?:[a-z][a-z-]* ?)+)", code):
            if _cli_path(m[1].split()) is None:
                problems.append(f"`equime {m[1].strip()}`: no such command")
        for key in re.findall(r"-S\s+'?([a-z_][\w.]*)=", code):
            if not _params_has(key):
                problems.append(f"-S {key}: not a params.yaml key")
        for target in re.findall(r"\bmake ([a-z][\w-]*)", code):
            if target not in targets:
                problems.append(f"make {target}: no such target")
        for token in re.findall(r"[\w./-]+", code):
            path = token.rstrip(".,:")
            if path.startswith(_ROOTS) and not re.search(r"[{}<>*$]", path) \
                    and not (REPO / path).exists():
                problems.append(f"{path}: no such file or folder")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
        if not target.startswith(("http://", "https://", "mailto:")) and \
                not (doc.parent / target).exists():
            problems.append(f"link {target}: no such file")
    return sorted(set(problems))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_commands_keys_paths_and_links_are_not_stale(doc: Path):
    assert stale(doc) == []


def test_a_stale_doc_is_caught(tmp_path: Path):
    doc = tmp_path / "old.md"
    doc.write_text("Run `equime review serve` and `equime render all`, then\n"
                   "```bash\ndvc exp run -S generate.backend=ltx2 -S generate.ltx.steps=8\n"
                   "make test-fast && make test-slow\npython benchmarks/bench_ltx.py\n"
                   "python benchmarks/bench_gone.py\n"
                   "equime retime --videos IN --out OUT --emotion  # the flag was renamed\n"
                   "equime models fetch ltx2 --dest weights/ltx2\n```\n"
                   "See [the stages](stages.md) and `src/equime/generate/backends.py`.\n")
    assert stale(doc) == [
        "-S generate.ltx.steps: not a params.yaml key", "`equime render all`: no such command",
        "`equime retime --videos IN --out OUT --emotion  # the flag was renamed`: No such "
        "option: --emotion (Possible options: --emotion-from-name)",
        "benchmarks/bench_gone.py: no such file or folder", "link stages.md: no such file",
        "make test-slow: no such target",
        "src/equime/generate/backends.py: no such file or folder"]
