"""Offline stand-in for pip's bootstrap script (https://ci-files.testing.ansible.com/ansible-test/get-pip-<v>.py).

ansible-test runs the script cached as ``~/.ansible/test/cache/get_pip_<version>.py`` (``~`` is ``$HOME``) to put
pip into each virtual environment it creates, and downloads it when absent; that host is unreachable here.
`make sanity` copies this file there: pip from the interpreter's own ``ensurepip``, then the pinned pip version
ansible-test asked for, from the package index like every other requirement.
"""

import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
os.environ.pop("PIP_CONFIG_FILE", None)  # ensurepip sets it to os.devnull; the next pip reads the usual config
# get-pip.py's own options; ansible-test passes them with the packages to install (pip==<version>).
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q", *args]))
