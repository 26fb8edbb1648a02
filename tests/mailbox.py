"""The development mail backend's folder read as a mailbox: each delivered message is one .eml
file. The ``mailbox`` fixture (tests/conftest.py) empties the app's folder for a test; the browser
journeys read the served app's folder, waiting for a message to arrive (tests/e2e/conftest.py)."""

from __future__ import annotations

import email
import email.policy
import re
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit


class Mailbox:
    def __init__(self, folder: Path):
        self.folder = folder

    def clear(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in self.folder.glob("*.eml"):
            path.unlink()

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages() if address in str(m["To"])]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}; mailbox holds {[str(m['To']) for m in self.messages()]}"
        return found[-1]

    def wait_for(self, to: str, subject_contains: str, timeout: float = 10.0) -> EmailMessage:
        """The newest message to ``to`` whose subject contains the text, polling until one is
        there (a browser may see the redirect a moment before the file is written)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.to(to) if subject_contains in str(m["Subject"])]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                seen = [(str(m["To"]), str(m["Subject"])) for m in self.messages()]
                raise AssertionError(f"no mail to {to} about “{subject_contains}”; the mailbox holds {seen}")
            time.sleep(0.1)

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None, "the message has no text part"
        return part.get_content()

    def url(self, message: EmailMessage, path_start: str) -> str:
        """The first absolute link in the message whose path (and query) starts with ``path_start``."""
        text = self.text(message)
        for url in re.findall(r"https?://\S+", text):
            if _path(url).startswith(path_start):
                return url
        raise AssertionError(f"no link starting with {path_start} in:\n{text}")

    def link(self, message: EmailMessage, path_start: str) -> str:
        """The path (and query) of that link, for a test client."""
        return _path(self.url(message, path_start))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
