"""A casedesk process with one of its streams on a pseudo-terminal, as a user's shell has it:
for output that must differ between a terminal and a pipe (colours, progress, raw bytes)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios


def on_a_terminal(
    args: list[str],
    env: dict[str, str],
    stream: str = "stdout",
    code: str | None = None,
    columns: int | None = None,
) -> tuple[int, bytes, bytes]:
    """(exit code, what reached the terminal, the other stream) of `python -m casedesk ARGS`,
    or of `python -c CODE ARGS`; `columns`: the terminal's width."""
    primary, secondary = pty.openpty()
    if columns is not None:
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, stream: secondary}
    program = ["-c", code] if code is not None else ["-m", "casedesk"]
    proc = subprocess.Popen([sys.executable, *program, *args], env=env, **pipes)
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
