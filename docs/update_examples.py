"""Rewrite the output under every ``$ entropylaw ...`` example in README.md and docs/*.md.

Run from anywhere after a change that alters what the commands print; tests/test_docs.py fails
until the examples match. Commands run in-process from the repository root (so example_logs/
and ../shared/real_logs resolve as in the docs), and files they write go to a scratch folder.

    python docs/update_examples.py
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from entropylaw.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = re.compile(r"(```text\n\$ (entropylaw [^\n]*)\n)(.*?)(```)", re.DOTALL)


def main() -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as scratch:
        workspace = Path(scratch) / "repository"
        workspace.mkdir()
        (workspace / "example_logs").symlink_to(ROOT / "example_logs")
        shared = ROOT.parent / "shared"
        if shared.is_dir():
            (Path(scratch) / "shared").symlink_to(shared)
        os.chdir(workspace)
        for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
            text = path.read_text(encoding="utf-8")

            def rerun(match, runner=runner, path=path):
                result = runner.invoke(app, shlex.split(match.group(2))[1:])
                output = result.output if result.exit_code == 0 else result.stderr
                print(f"{path.relative_to(ROOT)}: {match.group(2)} (exit {result.exit_code})")
                return match.group(1) + output + match.group(4)

            updated = EXAMPLE.sub(rerun, text)
            if updated != text:
                path.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    main()
