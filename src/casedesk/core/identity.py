"""Who is acting: --as NAME, else CASEDESK_AGENT, else the OS login."""

from __future__ import annotations

import os

from casedesk.core.errors import InvalidInput

# `casedesk --as NAME VERB`: the agent for this run, set by the entry point.
given_agent: str | None = None
# The agent this run was told of by --as, before or after the verb: printed commands carry it.
told_agent: str | None = None


def current_agent(explicit: str | None = None) -> str:
    if explicit and given_agent and explicit != given_agent:
        raise InvalidInput(f"two agents given: --as {given_agent} and --as {explicit}; give one")
    if explicit or given_agent:
        global told_agent
        told_agent = agent_name(explicit or given_agent or "")
    name = explicit or given_agent or os.environ.get("CASEDESK_AGENT")
    if not name:
        import getpass  # only when no name was given: the nag runs at every login

        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "agent"
    return agent_name(name)


def agent_name(name: str) -> str:
    """An agent's name as casedesk takes it anywhere (--as, an owner, an assignee): one
    printable word, so it lines up in lists and can be typed back."""
    name = name.strip()
    if not name or any(ch.isspace() or not ch.isprintable() for ch in name):
        raise InvalidInput(f"{name!r} is not a usable agent name (one word, printable)")
    return name


def os_login() -> str:
    """The OS account running casedesk, from the real user id: unlike --as, CASEDESK_AGENT and
    even $USER (which getpass reads first), it cannot be claimed without that account."""
    import pwd

    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
