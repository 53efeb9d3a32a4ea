"""Bugs found by these tests that are not fixed yet: none at the moment. An entry names what
is wrong and the fix; delete it when the fix lands (the test then covers the operation fully
again).

Everything else these tests check still runs for those operations: a listed schema lie only
switches off the one schemathesis check it trips, and a listed hostile input only its probe.
"""

from __future__ import annotations

# "METHOD /path" -> {schemathesis check name: why it is switched off for that operation}
FUZZ_EXCLUDED_CHECKS: dict[str, dict[str, str]] = {}

# ("METHOD /path", probe) -> why that hostile input is not handled yet.
HOSTILE: dict[tuple[str, str], str] = {}
