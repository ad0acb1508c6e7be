"""Write the .env of docker-compose.yaml from docker/env.example, with fresh secrets and
your uid. Refuses to overwrite an existing file: a new AIRFLOW_FERNET_KEY or database
password would lock the stack out of what it stored with the old ones.

    python3 docker/make_env.py [PATH]      (default: .env beside docker-compose.yaml)

Standard library only, so it runs before anything is installed."""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "env.example"


def secret_value(name: str) -> str:
    """A fresh value for one of the template's empty secrets."""
    if name == "AIRFLOW_FERNET_KEY":
        return base64.urlsafe_b64encode(os.urandom(32)).decode()
    if name.endswith("PASSWORD"):
        return secrets.token_hex(16)  # hex: safe inside a database URL
    return secrets.token_hex(32)


def render(template: str, uid: int) -> str:
    """The template with every empty `NAME=` filled and AIRFLOW_UID set to `uid`."""
    out = []
    for line in template.splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#") and name.strip() == name:
            if name == "AIRFLOW_UID":
                line = f"AIRFLOW_UID={uid}"
            elif value == "":
                line = f"{name}={secret_value(name)}"
        out.append(line)
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else HERE.parent / ".env"
    if target.exists():
        print(f"{target} exists: not overwritten (edit it, or move it away first)", file=sys.stderr)
        return 1
    uid = os.getuid() if hasattr(os, "getuid") else 0
    uid = uid or 50000  # never run the stack as root: the image's airflow user then
    target.write_text(render(TEMPLATE.read_text(encoding="utf-8"), uid), encoding="utf-8")
    target.chmod(0o600)
    print(f"wrote {target}; keep a copy of its secrets with the backups (docs/operations.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
