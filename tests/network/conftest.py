import io
from dataclasses import dataclass

import pytest
from django.core.management import CommandError, call_command


@dataclass
class CommandResult:
    stdout: str
    stderr: str


@pytest.fixture
def run():
    """Run a management command and return its output. A CommandError propagates with the command's
    error output as its ``stderr`` attribute (where per-record errors are listed)."""

    def _run(*args, **options) -> CommandResult:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(*args, stdout=out, stderr=err, **options)
        except CommandError as exc:
            exc.stderr = err.getvalue()
            raise
        return CommandResult(out.getvalue(), err.getvalue())

    return _run


@pytest.fixture
def write(tmp_path):
    """Write a file in a temporary folder and return its path."""

    def _write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return _write
