"""A casedesk process with one of its streams on a pseudo-terminal, as a user's shell has it:
for output that must differ between a terminal and a pipe (colours, progress, raw bytes)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys


def on_a_terminal(
    args: list[str], env: dict[str, str], stream: str = "stdout"
) -> tuple[int, bytes, bytes]:
    """(exit code, what reached the terminal, the other stream) of `python -m casedesk ARGS`."""
    primary, secondary = pty.openpty()
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, stream: secondary}
    proc = subprocess.Popen([sys.executable, "-m", "casedesk", *args], env=env, **pipes)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 4096)
        except OSError:  # Linux: EIO once the process closed its end
            break
        if not data:
            break
        chunks.append(data)
    other = proc.stderr if stream == "stdout" else proc.stdout
    rest = other.read() if other else b""
    code = proc.wait(timeout=120)
    os.close(primary)
    return code, b"".join(chunks), rest
