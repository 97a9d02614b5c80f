"""Molecule's playbook runs take the twin's environment from the twin itself.

``python -m twin up`` (shared/create.yml) writes ``<TWIN_STATE_DIR>/env``: the endpoints, proxy, CA bundle and
credentials of the ports it picked. molecule.yml puts this directory on PYTHONPATH, so every Python process of
a scenario (ansible-playbook and the modules it starts) loads that file at start-up; before create and after
destroy there is none, and nothing is loaded.
"""

import os
import shlex

_STATE = os.environ.get("TWIN_STATE_DIR")
if _STATE and os.path.isfile(os.path.join(_STATE, "env")):
    with open(os.path.join(_STATE, "env"), encoding="utf-8") as env_file:
        for _line in env_file:
            _words = shlex.split(_line)
            if len(_words) == 2 and _words[0] == "export":
                _name, _sep, _value = _words[1].partition("=")
                os.environ[_name] = _value
