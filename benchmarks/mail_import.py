"""How fast `casedesk import` takes mail in: 10,000 generated messages from a Maildir.

    python benchmarks/mail_import.py [--messages 10000] [--keep DIR]

The mix is realistic for a help desk: a third open new cases, most of the rest reply to an
earlier message (by In-Reply-To or by the [#id] subject tag), some are HTML-only, some carry
an attachment, a few are auto-replies or unreadable. Target: at least 200 messages a second.
"""

from __future__ import annotations

import argparse
import mailbox
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from casedesk.desk.desk import Desk
from casedesk.mail.intake import take_all
from casedesk.mail.settings import MailSettings
from casedesk.mail.sources import FORMATS

SETTINGS = MailSettings(from_address="Help <help@example.com>")  # takes mail in, sends none


def generate(count: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    messages: list[bytes] = []
    threads: list[tuple[str, str, int]] = []  # (message id, subject, case number guess)
    for n in range(count):
        roll = rng.random()
        msg = EmailMessage()
        customer = rng.randrange(1, 1500)
        msg["From"] = f"Customer {customer} <c{customer}@example.org>"
        msg["To"] = "help@example.com"
        msg["Date"] = format_datetime(datetime(2026, 11, 1, tzinfo=UTC))
        msg["Message-ID"] = f"<bench{n}@example.org>"
        if roll < 0.02:
            messages.append(b"Subject: unreadable\n\nno sender at all\n")
            continue
        if threads and roll < 0.55:
            parent, subject, _ = rng.choice(threads)
            msg["Subject"] = f"Re: {subject}"
            msg["In-Reply-To"] = parent
            msg["References"] = parent
        elif threads and roll < 0.65:
            _, subject, number = rng.choice(threads)
            msg["Subject"] = f"Re: {subject} [#{number}]"
        else:
            subject = f"Problem {n}: {rng.choice(['printer', 'laptop', 'VPN', 'mail'])} broken"
            msg["Subject"] = subject
            threads.append((msg["Message-ID"], subject, len(threads) + 1))
        if roll > 0.97:
            msg["Auto-Submitted"] = "auto-replied"
        body = (
            f"Hello,\n\nmessage {n}: it still does not work after the restart.\n"
            + "Some more detail about what happened. " * rng.randrange(1, 20)
            + "\n\nOn Mon, Help wrote:\n> Did you restart it?\n> Help\n"
        )
        if 0.85 < roll <= 0.9:
            msg.set_content(f"<html><body><p>{body}</p></body></html>", subtype="html")
        else:
            msg.set_content(body)
        if 0.9 < roll <= 0.93:
            msg.add_attachment(
                rng.randbytes(20_000), maintype="application", subtype="pdf", filename="scan.pdf"
            )
        messages.append(msg.as_bytes())
    return messages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="keep the Maildir and store here")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="casedesk-mail-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    box = mailbox.Maildir(folder / "Maildir", create=True)
    for raw in generate(args.messages):
        box.add(raw)
    print(f"generated {args.messages} messages in {time.perf_counter() - started:.1f}s")

    desk = Desk.open(folder / "bench.db", "bench", policy_path=folder / "no-policy.toml")
    try:
        started = time.perf_counter()
        messages = FORMATS["maildir"].read(folder / "Maildir")
        summary = take_all(desk, messages, SETTINGS)
        elapsed = time.perf_counter() - started
    finally:
        desk.close()
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    rate = summary.total / elapsed
    print(summary.line())
    print(f"imported {summary.total} messages in {elapsed:.1f}s: {rate:.0f} messages/s")
    print("target: 200 messages/s —", "met" if rate >= 200 else "NOT met")
    return 0 if rate >= 200 else 1


if __name__ == "__main__":
    sys.exit(main())
