"""SMTP delivery against hostile or broken servers and values (issue 13, items 3 and 9):
a trickling server cannot hold a send past its deadline, delivery numbers are bounded when the
config loads, comma-separated recipients all get the message, a password the server echoes with
its whitespace collapsed is still scrubbed, and the subject names the organisation once.

Servers are real and on 127.0.0.1: aiosmtpd (the fixtures of tests/test_delivery.py) and a
small socket server that sends its greeting one byte every 2 seconds.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import subprocess
import sys
import threading
import time
from typing import Iterator

import pytest

pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from ccreport.config import load_config  # noqa: E402
from ccreport.delivery import build_message, send, split_addresses  # noqa: E402
from ccreport.errors import ConfigError, DeliveryError  # noqa: E402

from .test_delivery import (  # noqa: E402,F401  (fixtures are used by name)
    USER,
    Handler,
    Sleeps,
    ccreport_log,
    documents,
    error_text,
    make_config,
    smtp_server,
)
from .util import SAMPLE  # noqa: E402

INCIDENTS = str(SAMPLE / "incidents.csv")


# --------------------------------------------------------------------------- a trickling server


class Trickler:
    """Accepts connections and sends `data` one byte every `interval` seconds, forever slow."""

    def __init__(self, data: bytes = b"220 mail.test ESMTP trickling along\r\n", interval: float = 2.0) -> None:
        self.data, self.interval = data, interval
        self.connections = 0
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            for byte in self.data:
                if self.stop.wait(self.interval):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up: exactly what we want

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture
def trickler() -> Iterator[Trickler]:
    server = Trickler()
    yield server
    server.close()


def timed_send(cfg, msg, **kwargs) -> tuple[float, DeliveryError]:
    start = time.monotonic()
    with pytest.raises(DeliveryError) as info:
        send(cfg, msg, env={}, **kwargs)
    return time.monotonic() - start, info.value


# --------------------------------------------------------------------------- deadlines


def test_trickling_greeting_is_stopped_at_the_whole_send_deadline(trickler, documents):
    """Protection: delivery._Watchdog shuts the socket down at email.deadline; smtplib's
    timeout (5 s per read here) alone would wait for the whole greeting (~76 s)."""
    cfg = make_config(trickler.port, timeout=5, deadline=3, retries=3)
    msg = build_message(cfg, documents[:1], ["ops@example.org"])
    elapsed, err = timed_send(cfg, msg, sleep=Sleeps())
    assert 2.5 <= elapsed < 5.5, elapsed
    assert str(err) == (f"email not sent: 127.0.0.1:{trickler.port} did not complete the send within "
                        "email.deadline (3 s)")
    assert trickler.connections == 1


def test_each_attempt_has_its_own_deadline_and_the_waits_count(trickler, documents):
    """attempt 1 (2 s) + wait 2 s + attempt 2 (2 s) = 6 s; the next wait (4 s) would pass the
    7 s deadline, so it stops there instead of sleeping past it."""
    cfg = make_config(trickler.port, timeout=30, deadline=7, attempt_deadline=2, retries=5)
    msg = build_message(cfg, documents[:1], ["ops@example.org"])
    elapsed, err = timed_send(cfg, msg, sleep=time.sleep)
    assert 5.5 <= elapsed < 8, elapsed
    assert trickler.connections == 2
    assert str(err).startswith("email not sent: gave up after 2 attempts: ")
    assert "did not complete an attempt within email.attempt_deadline (2 s)" in str(err)
    assert "no time is left for another within email.deadline (7 s)" in str(err)


def test_implicit_tls_handshake_that_trickles_is_stopped_too(trickler, documents):
    """The socket is watched before the TLS handshake of security: ssl."""
    cfg = make_config(trickler.port, security="ssl", timeout=5, deadline=3, retries=0)
    msg = build_message(cfg, documents[:1], ["ops@example.org"])
    elapsed, err = timed_send(cfg, msg, sleep=Sleeps())
    assert elapsed < 5.5, elapsed
    assert "did not complete the send within email.deadline (3 s)" in str(err)


def test_a_server_that_stalls_after_data_is_stopped_mid_session(smtp_server, documents):
    """A normal greeting and envelope, then no answer to DATA: the watchdog ends the attempt."""

    class Stalling(Handler):
        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(20)
            return "250 OK"

    port = smtp_server(Stalling())
    cfg = make_config(port, timeout=30, deadline=2.5, retries=0)
    msg = build_message(cfg, documents[:1], ["ops@example.org"])
    elapsed, err = timed_send(cfg, msg, sleep=Sleeps())
    assert elapsed < 5, elapsed
    assert "email.deadline (2.5 s)" in str(err)


def test_a_normal_send_is_unaffected_by_the_watchdog(smtp_server, documents):
    handler = Handler()
    port = smtp_server(handler)
    cfg = make_config(port, deadline=10, attempt_deadline=5)
    send(cfg, build_message(cfg, documents, ["ops@example.org"]), env={}, sleep=Sleeps())
    assert len(handler.envelopes) == 1
    assert threading.active_count() < 20  # timers are cancelled, not left running


def test_cli_send_to_a_trickling_server_exits_1_in_time(trickler, documents, tmp_path):
    config = tmp_path / "ccreport.yaml"
    config.write_text("email:\n  host: 127.0.0.1\n  port: %d\n  security: none\n  from: r@example.org\n"
                      "  timeout: 10\n  deadline: 3\n" % trickler.port)
    start = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "ccreport.cli", "--config", str(config), "send", str(documents[0]),
                        "--to", "ops@example.org"], capture_output=True, text=True, timeout=60)
    assert time.monotonic() - start < 15
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"ccreport: error: email not sent: 127.0.0.1:{trickler.port} did not complete the send within "
        "email.deadline (3 s)"]


# --------------------------------------------------------------------------- bounded values


@pytest.mark.parametrize("line, words", [
    ("retries: 1e23", "email.retries: '1e23' is not a number of retries from 0 to 20"),
    ("retries: 1.0e+23", "email.retries: 1e+23 is not a number of retries from 0 to 20"),
    ("retries: -1", "email.retries: -1 is not a number of retries from 0 to 20"),
    ("retries: 2.5", "email.retries: 2.5 is not a number of retries"),
    ("timeout: -1", "email.timeout: -1 is not a number of seconds above 0 (at most 86400)"),
    ("timeout: 0", "email.timeout: 0 is not a number of seconds above 0"),
    ("timeout: 1e9", "email.timeout: 1e+09 is not a number of seconds above 0"),
    ("deadline: 0", "email.deadline: 0 is not a number of seconds above 0"),
    ("attempt_deadline: -5", "email.attempt_deadline: -5 is not a number of seconds above 0"),
    ("port: 99999", "email.port: 99999 is not a TCP port (1 to 65535"),
    ("port: 0", "email.port: 0 is not a TCP port"),
    ("port: smtp", "email.port: 'smtp' is not a TCP port"),
])
def test_delivery_numbers_out_of_bounds_are_refused_when_the_config_loads(tmp_path, line, words):
    """Protection: config.Email's validators (port, retries, timeout, deadline, attempt_deadline)."""
    path = tmp_path / "ccreport.yaml"
    path.write_text(f"organisation: {{name: X}}\nemail:\n  {line}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path} line 3: {words}"), str(info.value)
    assert "\n" not in str(info.value)


def test_the_defaults_and_sensible_values_load(tmp_path):
    path = tmp_path / "ccreport.yaml"
    path.write_text("email:\n  port: 465\n  retries: 0\n  timeout: 0.5\n  deadline: 600\n  attempt_deadline: 60\n")
    em = load_config(path).email
    assert (em.port, em.retries, em.timeout, em.deadline, em.attempt_deadline) == (465, 0, 0.5, 600, 60)
    assert (load_config(None, env={}).email.deadline, load_config(None, env={}).email.attempt_deadline) == (300, 120)


# --------------------------------------------------------------------------- recipients


def test_comma_separated_recipients_all_get_the_message(smtp_server, documents):
    """Protection: delivery.split_addresses, used by _addresses for To and Cc (so --to,
    --email-to, --cc, email.to, email.cc and email.groups alike)."""
    handler = Handler()
    port = smtp_server(handler)
    cfg = make_config(port)
    msg = build_message(cfg, documents[:1], ["a@x.example, b@y.example", '"Doe, Jane" <jane@z.example>'],
                        cc=["c@z.example; d@z.example"])
    send(cfg, msg, env={}, sleep=Sleeps())
    assert sorted(handler.envelopes[0].rcpt_tos) == ["a@x.example", "b@y.example", "c@z.example",
                                                    "d@z.example", "jane@z.example"]
    got = handler.message()
    assert got["To"] == 'a@x.example, b@y.example, "Doe, Jane" <jane@z.example>'


@pytest.mark.parametrize("value", ["a@x.example b@y.example", "Name <a@x.example> b@y.example", ",", " ; "])
def test_recipients_that_are_not_a_list_of_addresses_are_refused(documents, value):
    cfg = make_config(2525)
    with pytest.raises(DeliveryError, match=r"^--to: .* is not an email address like ops@example.org"):
        build_message(cfg, documents[:1], [value])


def test_split_addresses_keeps_quoted_commas():
    assert split_addresses('"Doe, J" <j@x.org>, (team, ops) o@x.org;k@x.org') == [
        '"Doe, J" <j@x.org>', " (team, ops) o@x.org", "k@x.org"]


def test_cli_send_to_two_comma_separated_addresses(smtp_server, documents, tmp_path):
    handler = Handler()
    port = smtp_server(handler)
    config = tmp_path / "ccreport.yaml"
    config.write_text("email:\n  host: 127.0.0.1\n  port: %d\n  security: none\n  from: r@example.org\n"
                      "  cc: ['boss@example.org, deputy@example.org']\n" % port)
    r = subprocess.run([sys.executable, "-m", "ccreport.cli", "--config", str(config), "send", str(documents[0]),
                        "--to", "a@x.example, b@y.example"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert sorted(handler.envelopes[0].rcpt_tos) == ["a@x.example", "b@y.example", "boss@example.org",
                                                    "deputy@example.org"]
    r = subprocess.run([sys.executable, "-m", "ccreport.cli", "--config", str(config), "send", str(documents[0]),
                        "--to", "a@x.example b@y.example"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "ccreport: error: --to: 'a@x.example b@y.example' is not an email address like ops@example.org "
        "(separate several addresses with commas)"]
    assert len(handler.envelopes) == 1  # nothing more was sent


# --------------------------------------------------------------------------- password echo


@pytest.mark.parametrize("password", ["correct  horse\tbattery staple", "  lead and trail  ", "tab\there"])
def test_a_password_echoed_with_collapsed_whitespace_is_scrubbed(smtp_server, documents, ccreport_log, password):
    """Protection: delivery._Scrubber also removes the whitespace-collapsed forms of the
    password, because server replies are cleaned (whitespace collapsed) before they are shown."""

    def echoing(server, session, envelope, mechanism, auth_data):
        text = auth_data.password.decode() if isinstance(auth_data, LoginPassword) else str(auth_data)
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 wrong password {text} for you")

    port = smtp_server(Handler(), authenticator=echoing, auth_require_tls=False)
    cfg = make_config(port, username=USER, retries=0)
    msg = build_message(cfg, documents[:1], ["ops@example.org"])
    with pytest.raises(DeliveryError) as info:
        send(cfg, msg, env={"CCREPORT_SMTP_PASSWORD": password}, sleep=Sleeps())
    shown = error_text(info.value) + ccreport_log.text
    assert "wrong password" in shown  # the server's words are shown ...
    for form in {password, " ".join(password.split()), password.strip()}:
        assert form not in shown       # ... the password in none of its forms
    assert "***" in shown


# --------------------------------------------------------------------------- subject


def test_the_subject_names_the_organisation_once(documents):
    cfg = make_config(2525)
    title = "Northwind Contact Centre: monthly incident report, October 2026"
    msg = build_message(cfg, documents[:1], ["ops@example.org"], summary={"title": title})
    assert msg["Subject"] == title
    msg = build_message(cfg, documents[:1], ["ops@example.org"], summary={"title": "Monthly incident report"})
    assert msg["Subject"] == "Northwind Contact Centre: Monthly incident report"


def test_monthly_dry_run_subject_has_no_repeated_organisation(tmp_path):
    r = subprocess.run([sys.executable, "-m", "ccreport.cli", "--config", str(SAMPLE / "ccreport.yaml"), "monthly",
                        INCIDENTS, "--month", "2026-10", "--format", "md", "--out", str(tmp_path),
                        "--email-to", "ops@example.org", "--dry-run"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    msg = email.message_from_bytes((tmp_path / "monthly-2026-10.eml").read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == "Northwind Contact Centre: monthly incident report, October 2026"
