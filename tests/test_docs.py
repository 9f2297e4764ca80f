"""The docs keep up with the code: every command and option has help text and a page, links
resolve, the examples print what the commands print today, the JSON schemas list the keys the
commands emit, and the README's commands are what CI runs."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from entropylaw.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REAL_LOGS = ROOT.parent / "shared" / "real_logs"
DRAWING = ("entropylaw fit", "entropylaw forecast", "entropylaw family")  # seed drawn if none
runner = CliRunner()


def commands() -> dict:
    """Every command of the CLI by its full name ('fit', or 'group sub' for nested ones)."""
    found = {}

    def walk(group, prefix):
        for name, command in group.commands.items():
            full = f"{prefix}{name}"
            if hasattr(command, "commands"):
                walk(command, f"{full} ")
            else:
                found[full] = command

    walk(typer.main.get_command(app), "")
    return found


COMMANDS = commands()


def page(name: str) -> Path:
    return DOCS / f"{name.replace(' ', '-')}.md"


def examples() -> list[tuple[str, str, str]]:
    """(where, command line, printed output) of each ``$ entropylaw ...`` block in the docs."""
    found = []
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"```text\n\$ (entropylaw [^\n]*)\n(.*?)```", text, re.DOTALL):
            line = text[: match.start()].count("\n") + 1
            found.append((f"{path.relative_to(ROOT)}:{line}", match.group(1), match.group(2)))
    return found


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A scratch copy of the repository's layout (example_logs/, ../shared/) as working
    directory, so examples that write files write them there."""
    repository = tmp_path / "repository"
    repository.mkdir()
    (repository / "example_logs").symlink_to(ROOT / "example_logs")
    if REAL_LOGS.is_dir():
        (tmp_path / "shared").symlink_to(REAL_LOGS.parent)
    monkeypatch.chdir(repository)
    return repository


def run(command: str, *extra: str):
    """Run a documented ``entropylaw ...`` command line in-process."""
    arguments = shlex.split(command)[1:]
    if any("shared/real_logs" in argument for argument in arguments) and not REAL_LOGS.is_dir():
        pytest.skip("real logs not found beside the checkout")
    return runner.invoke(app, [*arguments, *extra])


def test_the_cli_has_commands():
    assert {"fit", "forecast", "backtest", "family", "keys", "import"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_has_help_text(name):
    command = COMMANDS[name]
    assert (command.help or "").strip(), f"`entropylaw {name}` has no help text"
    silent = [param.name for param in command.params if not (getattr(param, "help", "") or "")]
    assert silent == [], f"`entropylaw {name}`: no help text for {silent}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_page_naming_each_option(name):
    path = page(name)
    assert path.is_file(), f"`entropylaw {name}` has no page {path.relative_to(ROOT)}"
    text = path.read_text(encoding="utf-8")
    options = [option for param in COMMANDS[name].params for option in param.opts
               if option.startswith("--") and option != "--help"]
    missing = [option for option in options if option not in text]
    assert missing == [], f"{path.name} does not mention {missing}"


def test_the_index_links_every_page():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)#]+\.md)", index))
    pages = {path.name for path in DOCS.glob("*.md")} - {"README.md"}
    assert pages - linked == set()


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))],
                         ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_and_images_resolve(path):
    text = path.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    broken = [target for target in targets
              if not re.match(r"[a-z]+:", target)  # http:, https:, mailto:
              and not (path.parent / target.split("#")[0]).exists()]
    assert broken == []


@pytest.mark.parametrize("where, command, output", examples(), ids=[e[0] for e in examples()])
def test_examples_print_what_the_command_prints(workspace, where, command, output):
    if "--seed" not in command and any(draws in command for draws in DRAWING):
        pytest.skip(f"not reproducible without --seed: {command}")
    result = run(command)
    assert result.exit_code == 0, result.output
    assert result.output == output, f"{where}: the example is out of date"


def json_schemas() -> dict[str, set[str]]:
    """Command -> the top-level keys docs/json.md lists for its ``--json`` object."""
    text = (DOCS / "json.md").read_text(encoding="utf-8")
    sections = re.split(r"^## `entropylaw (\S+)", text, flags=re.MULTILINE)[1:]
    return {name: set(re.findall(r"^\| `([a-z0-9_]+)` \|", body, re.MULTILINE))
            for name, body in zip(sections[::2], sections[1::2], strict=True)}


@pytest.mark.parametrize("name", sorted(n for n, c in COMMANDS.items()
                                         if any("--json" in p.opts for p in c.params)))
def test_json_schemas_list_the_keys_each_command_emits(workspace, name):
    schemas = json_schemas()
    assert name in schemas, f"docs/json.md has no section for `entropylaw {name} --json`"
    documented = [command for _, command, _ in examples() if shlex.split(command)[1] == name]
    assert documented, f"no `$ entropylaw {name} ...` example in the docs"
    result = run(documented[0], "--json")
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)) == schemas[name]


def bash_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL)]


def test_the_readme_starts_with_the_install_and_test_commands_ci_runs():
    first, second = bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))[:2]
    install = 'python3 -m venv .venv && .venv/bin/pip install -e ".[all]"'
    assert first.startswith(f"{install} && .venv/bin/entropylaw ")
    assert second == f"{install} && .venv/bin/python -m pytest -q"
    example = shlex.split(first.split("&&")[-1])[2]
    assert (ROOT / example).is_file()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").replace(" --quiet", "")
    for step in second.split(" && "):
        assert step in ci, f".ci/run does not run `{step}`"
