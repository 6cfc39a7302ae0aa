import uuid
from dataclasses import dataclass

from notifications.backends.base import BaseSMSBackend


@dataclass(frozen=True)
class SentSMS:
    to: str
    body: str
    message_id: str


# Like django.core.mail.outbox: tests read and clear it.
outbox: list[SentSMS] = []


class SMSBackend(BaseSMSBackend):
    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        message_id = f"locmem-{uuid.uuid4().hex[:12]}"
        outbox.append(SentSMS(to=to, body=body, message_id=message_id))
        return message_id
