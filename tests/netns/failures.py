# SPDX-License-Identifier: MIT
"""What can go wrong in a packet-lab run, as typed failures.

Every problem a run finds is a Failure of one Kind; the runner decides by
kind, never by the wording of a message, whether a busy machine can explain
it (and one more attempt is worth it) and how to report it.
"""

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    MUST_PASS = "must pass"            # a connection the policy allows did not get through
    MUST_FAIL = "must fail"            # a connection the policy denies got through
    NO_PROBE = "no probe"              # a flow that no probe that must pass covers
    NO_RENDER = "does not render"      # portspec refused the profile or the backend
    NO_LOAD = "does not load"          # the kernel refused the rules
    FTP_DATA_OPEN = "ftp data open"    # the FTP data port is open to a plain connection
    FTP = "ftp"                        # the FTP transfer through the helper failed
    ERROR = "error"                    # the lab itself failed: agent, socket, timeout
    SURVIVED = "survived"              # a ruleset without one of its rules passed every probe

    @property
    def load_can_explain(self):
        """A busy machine can delay or drop what must pass, and time out an
        FTP transfer or the lab's own plumbing; it never lets through what
        must fail, opens a port or makes the kernel refuse rules."""
        return self in (Kind.MUST_PASS, Kind.FTP, Kind.ERROR)


@dataclass(frozen=True)
class Failure:
    kind: Kind
    text: str

    def __str__(self):
        return self.text


class LabError(Exception):
    """The lab cannot go on (a command failed, an agent is gone)."""
