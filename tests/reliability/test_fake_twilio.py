"""The benchmarks' fake Twilio (bench/speed_to_lead.py) tells a request cut short by a killed client from one it
refuses: a worker SIGKILLed mid-send (bench/load.py) leaves the first, which is no message and no refusal."""

import socket
import time

from bench.speed_to_lead import TWILIO_AUTHORIZATION, TWILIO_MESSAGES_PATH, FakeTwilio, Inbox


def _post(port: int, body: bytes, length: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"POST {TWILIO_MESSAGES_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {TWILIO_AUTHORIZATION}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n".encode()
            + body
        )
        sock.shutdown(socket.SHUT_WR)  # gone before the rest of the body, as a killed process is
        sock.recv(4096)


def test_a_request_cut_short_is_counted_apart_and_a_bad_one_is_refused():
    inbox = Inbox()
    fake = FakeTwilio(inbox)
    fake.start()
    try:
        _post(fake.port, b"To=%2B1602", length=200)  # the headers and a tenth of the body
        _post(fake.port, b"Body=hello", length=len(b"Body=hello"))  # whole, but no To: refused
        deadline = time.monotonic() + 5
        while (inbox.cut_short, len(inbox.refused)) != (1, 1) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        fake.stop()

    assert inbox.cut_short == 1
    assert inbox.refused == ["missing To or Body, or another From"]
    assert len(inbox) == 0
