"""A mail sink for the demo: a real SMTP server on localhost that writes every message it
receives as an .eml file (open them with any mail program). `python tools/mail_sink.py
FOLDER --port 8025`; stops on SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path


class EmlWriter:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        to = envelope.rcpt_tos[0].replace("@", "_at_")
        (self.folder / f"{self.count:04d}_{to}.eml").write_bytes(envelope.content)
        return "250 Message accepted for delivery"


def main() -> None:
    from aiosmtpd.controller import Controller

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("folder")
    p.add_argument("--port", type=int, default=8025)
    args = p.parse_args()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(EmlWriter(folder), hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
