# SPDX-License-Identifier: MIT
"""Reads portspec.service and apply.conf the way systemd does, for the tests:
Environment= and EnvironmentFile= assignments, and ExecStart= with "${VAR}"
replaced inside a word and a lone "$VAR" split at whitespace
(systemd.service(5), Command lines)."""
import re


def unit_lines(text, key):
    return [l.split("=", 1)[1] for l in text.splitlines() if l.startswith(key + "=")]


def environment_file(text):
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        env[key.strip()] = value.strip()
    return env


def command(unit_text, conf_text, key="ExecStart"):
    """The argument vector systemd would run for key."""
    env = {}
    for assignments in unit_lines(unit_text, "Environment"):
        for a in assignments.split():
            k, _, v = a.partition("=")
            env[k] = v
    if conf_text is not None:
        env.update(environment_file(conf_text))
    (line,) = unit_lines(unit_text, key)
    argv = []
    for word in line.split():
        lone = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if lone:
            argv += env.get(lone.group(1), "").split()
        else:
            argv.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                               lambda m: env.get(m.group(1), ""), word))
    return argv
