"""Email delivery against a real SMTP server (aiosmtpd) on 127.0.0.1: nothing leaves the machine.

Each test starts its own server on a free port and stops it afterwards. TLS tests use a private
CA and a server certificate made with the openssl CLI for 127.0.0.1/localhost (skipped when
openssl is absent). `sleep` is replaced by a recorder, so retries cost no time.
"""

from __future__ import annotations

import base64
import email
import email.policy
import io
import logging
import shutil
import socket
import ssl
import subprocess
import time
import traceback
import unicodedata
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from ccreport.config import Config  # noqa: E402
from ccreport.delivery import build_message, clean_header_text, mime_type, send, write_eml  # noqa: E402
from ccreport.errors import DeliveryError  # noqa: E402

PASSWORD = "s3cr3t-Hunter2-pa55"
USER = "reports@example.org"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SUMMARY = {
    "title": "Monthly incident report October 2026",
    "period": "October 2026",
    "figures": [
        {"label": "Opened", "value": "312", "change": "+4.0 % vs September"},
        {"label": "Resolution SLA", "value": "96.1 %", "change": "−1.2 pts vs September"},
        {"label": "MTTR <P1>", "value": "4.2 h", "change": None},
    ],
}


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_config(port: int, **options: Any) -> Config:
    values = {"host": "127.0.0.1", "port": port, "security": "none", "from": "Reports <reports@example.org>",
              "timeout": 5, "retries": 3}
    values.update(options)
    return Config.model_validate({"organisation": {"name": "Northwind Contact Centre"}, "email": values})


class Sleeps(list):
    """Stands in for time.sleep: records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Handler:
    """Records every message; can answer DATA or RCPT with a scripted failure first."""

    def __init__(self, data_failures: list[str] | None = None,
                 rcpt_replies: dict[str, list[str]] | None = None) -> None:
        self.data_failures = list(data_failures or [])
        self.rcpt_replies = {k: list(v) for k, v in (rcpt_replies or {}).items()}
        self.data_calls = 0
        self.envelopes: list[Any] = []
        self.tls: list[bool] = []
        self.auth: list[Any] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        replies = self.rcpt_replies.get(address)
        if replies:
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_calls += 1
        if self.data_failures:
            return self.data_failures.pop(0)
        self.envelopes.append(envelope)
        self.tls.append(session.ssl is not None)
        self.auth.append(session.auth_data)
        return "250 2.0.0 Message accepted"

    def message(self, i: int = -1) -> email.message.EmailMessage:
        return email.message_from_bytes(self.envelopes[i].original_content, policy=email.policy.default)


class Authenticator:
    def __init__(self, reply: str | None = None) -> None:
        self.calls = 0
        self.sessions: set[int] = set()   # one per connection; smtplib tries PLAIN, then LOGIN
        self.reply = reply

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.calls += 1
        self.sessions.add(id(session))
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
              and auth_data.password == PASSWORD.encode())
        if ok:
            return AuthResult(success=True, auth_data=auth_data.login)
        if self.reply:
            return AuthResult(success=False, handled=False, message=self.reply)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """start(handler, **kwargs) -> port; every server started is stopped after the test."""
    controllers: list[Any] = []

    def start(handler: Handler, **kwargs: Any) -> int:
        port = free_port()
        # server_hostname avoids socket.getfqdn(), which can wait on DNS.
        controller = aiosmtpd_controller.Controller(
            handler, hostname="127.0.0.1", port=port, server_hostname="mail.test", **kwargs)
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A private CA and a server certificate it signed, for 127.0.0.1 and localhost."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    d = tmp_path_factory.mktemp("certs")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=30)

    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=ccreport test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (d / "server.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "authorityKeyIdentifier=keyid\n"
        "subjectKeyIdentifier=hash\n"
    )
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    return {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server.key"}


def server_tls(certs: dict[str, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(certs["cert"], certs["key"])
    return ctx


@pytest.fixture
def documents(tmp_path: Path) -> list[Path]:
    """Small real files of each kind the reports come in."""
    pdf = tmp_path / "monthly-2026-10.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", "<w:document/>")
    docx = tmp_path / "monthly-2026-10.docx"
    docx.write_bytes(buf.getvalue())
    page = tmp_path / "monthly-2026-10.html"
    page.write_bytes("<!DOCTYPE html><p>Résumé – 96.1 %</p>\r\n".encode())
    md = tmp_path / "monthly-2026-10.md"
    md.write_bytes("# Monthly report\r\n\r\nMTTR 4.2 h — ünïcode\n".encode())
    return [pdf, docx, page, md]


@pytest.fixture
def ccreport_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog for the "ccreport" logger, even when the CLI has turned its propagation off."""
    logger = logging.getLogger("ccreport")
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(caplog.handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # caplog's handler also sits on the root logger: count each record once
    yield caplog
    logger.removeHandler(caplog.handler)
    logger.setLevel(old_level)
    logger.propagate = old_propagate


def secrets_in(text: str) -> list[str]:
    """Which forms of the password (plain, or base64 as AUTH sends it) occur in `text`."""
    forms = [PASSWORD]
    for raw in (PASSWORD, f"\0{USER}\0{PASSWORD}"):
        forms.append(base64.b64encode(raw.encode()).decode())
    return [f for f in forms if f in text]


def error_text(err: BaseException) -> str:
    """Everything a user could see of an exception, chained ones included."""
    return str(err) + repr(err) + "".join(traceback.format_exception(err))


# --------------------------------------------------------------------------- plain delivery


def test_plain_delivery_body_and_attachments(smtp_server, documents, ccreport_log):
    handler = Handler()
    port = smtp_server(handler)
    cfg = make_config(port)
    msg = build_message(cfg, documents, ["ops-leads@example.org"], cc=["Director <director@example.org>"],
                        summary=SUMMARY)
    sleeps = Sleeps()
    send(cfg, msg, env={}, sleep=sleeps)

    assert sleeps == []
    assert len(handler.envelopes) == 1
    env = handler.envelopes[0]
    assert env.mail_from == "reports@example.org"
    assert sorted(env.rcpt_tos) == ["director@example.org", "ops-leads@example.org"]

    got = handler.message()
    assert got["From"] == "Reports <reports@example.org>"
    assert got["To"] == "ops-leads@example.org"
    assert got["Cc"] == "Director <director@example.org>"
    assert got["Subject"] == "Northwind Contact Centre: Monthly incident report October 2026"
    assert got["Message-ID"].startswith("<") and got["Message-ID"].endswith("@example.org>")
    assert got["Date"].datetime is not None
    assert got["Auto-Submitted"] == "auto-generated"

    text = got.get_body(preferencelist=("plain",))
    page = got.get_body(preferencelist=("html",))
    assert text is not None and page is not None
    assert got.get_content_type() == "multipart/mixed"
    plain, html_part = text.get_content(), page.get_content()
    for body in (plain, html_part):
        assert "October 2026" in body
        assert "312" in body and "+4.0 % vs September" in body
        assert "96.1 %" in body and "−1.2 pts vs September" in body
        for f in documents:
            assert f.name in body
    # Escaped, and nothing a mail client would fetch.
    assert "MTTR &lt;P1&gt;" in html_part and "<P1>" not in html_part
    for external in ("http:", "https:", "src=", "<link", "@import", "url("):
        assert external not in html_part

    attachments = list(got.iter_attachments())
    expected_types = [PDF, DOCX, "text/html", "text/markdown"]
    assert [a.get_filename() for a in attachments] == [f.name for f in documents]
    assert [a.get_content_type() for a in attachments] == expected_types
    for part, path in zip(attachments, documents):
        assert part.get_payload(decode=True) == path.read_bytes()
        assert part.get_content_disposition() == "attachment"

    sent = [r.getMessage() for r in ccreport_log.records if r.levelno == logging.INFO]
    assert f"Sent 4 documents to ops-leads@example.org, director@example.org via 127.0.0.1:{port}" in sent


def test_default_subject_without_summary_lists_file_names(tmp_path):
    f = tmp_path / "pir-INC0012345.docx"
    f.write_bytes(b"PK\x03\x04")
    msg = build_message(make_config(25), [f], ["ops@example.org"])
    assert msg["Subject"] == "Northwind Contact Centre: pir-INC0012345.docx"
    assert msg.get_body(preferencelist=("plain",)).get_content().count("pir-INC0012345.docx") == 1


def test_explicit_subject_wins(tmp_path):
    f = tmp_path / "a.pdf"
    f.write_bytes(b"%PDF-1.7")
    msg = build_message(make_config(25), [f], ["ops@example.org"], subject="October pack", summary=SUMMARY)
    assert msg["Subject"] == "October pack"


@pytest.mark.parametrize(("name", "expected"), [
    ("r.pdf", ("application", "pdf")),
    ("r.DOCX", ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")),
    ("r.html", ("text", "html")),
    ("r.md", ("text", "markdown")),
    ("r.csv", ("text", "csv")),
    ("data.csv.gz", ("application", "octet-stream")),
    ("noextension", ("application", "octet-stream")),
])
def test_mime_types(name, expected):
    assert mime_type(Path(name)) == expected


# --------------------------------------------------------------------------- TLS


def test_starttls_accepted_with_cafile(smtp_server, certs, documents):
    handler = Handler()
    port = smtp_server(handler, tls_context=server_tls(certs), require_starttls=True)
    cfg = make_config(port, security="starttls", cafile=str(certs["ca"]))
    send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]), env={}, sleep=Sleeps())
    assert handler.tls == [True]
    assert handler.message().get_body(preferencelist=("plain",)) is not None


def test_starttls_refused_without_cafile(smtp_server, certs, documents):
    handler = Handler()
    port = smtp_server(handler, tls_context=server_tls(certs), require_starttls=True)
    cfg = make_config(port, security="starttls")
    sleeps = Sleeps()
    with pytest.raises(DeliveryError) as info:
        send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]), env={}, sleep=sleeps)
    message = str(info.value)
    assert "certificate" in message and "could not be verified" in message
    assert "email.cafile" in message
    assert sleeps == []            # a certificate problem is permanent: no retry
    assert handler.envelopes == []


def test_ssl_on_connect(smtp_server, certs, documents):
    handler = Handler()
    port = smtp_server(handler, ssl_context=server_tls(certs))
    cfg = make_config(port, security="ssl", cafile=str(certs["ca"]))
    send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]), env={}, sleep=Sleeps())
    assert len(handler.envelopes) == 1

    unverified = make_config(port, security="ssl")
    with pytest.raises(DeliveryError, match="certificate .* could not be verified"):
        send(unverified, build_message(unverified, documents[:1], ["ops@example.org"]), env={}, sleep=Sleeps())
    assert len(handler.envelopes) == 1


def test_unreadable_cafile_is_a_clear_error(tmp_path, documents):
    cfg = make_config(free_port(), security="starttls", cafile=str(tmp_path / "missing.pem"))
    with pytest.raises(DeliveryError, match="email.cafile: cannot load"):
        send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]), env={}, sleep=Sleeps())


# --------------------------------------------------------------------------- AUTH


@pytest.fixture
def auth_server(smtp_server, certs):
    def start(reply: str | None = None) -> tuple[Handler, Authenticator, int]:
        handler, auth = Handler(), Authenticator(reply)
        port = smtp_server(handler, tls_context=server_tls(certs), require_starttls=True,
                           authenticator=auth, auth_required=True, auth_require_tls=True)
        return handler, auth, port

    return start


def test_auth_with_password_from_environment(auth_server, certs, documents):
    handler, auth, port = auth_server()
    cfg = make_config(port, security="starttls", cafile=str(certs["ca"]), username=USER,
                      password_env="NORTHWIND_SMTP_PASSWORD")
    send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]),
         env={"NORTHWIND_SMTP_PASSWORD": PASSWORD}, sleep=Sleeps())
    assert auth.calls == 1
    assert handler.auth == [USER.encode()]
    assert handler.tls == [True]


def test_wrong_password_fails_once_without_retry(auth_server, certs, documents):
    handler, auth, port = auth_server()
    cfg = make_config(port, security="starttls", cafile=str(certs["ca"]), username=USER)
    sleeps = Sleeps()
    with pytest.raises(DeliveryError) as info:
        send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]),
             env={"CCREPORT_SMTP_PASSWORD": "not-" + PASSWORD}, sleep=sleeps)
    assert f"authentication failed for {USER} at 127.0.0.1:{port}" in str(info.value)
    assert "535" in str(info.value)
    assert len(auth.sessions) == 1 and sleeps == [] and handler.envelopes == []


def test_unset_password_variable_fails_before_connecting(documents):
    # Nothing listens on this port: the error must be about the variable, not the connection.
    cfg = make_config(free_port(), security="starttls", username=USER)
    msg = build_message(cfg, documents[:1], ["ops@example.org"])
    for env in ({}, {"CCREPORT_SMTP_PASSWORD": ""}):
        with pytest.raises(DeliveryError, match=r"^set CCREPORT_SMTP_PASSWORD to the SMTP password for"):
            send(cfg, msg, env=env, sleep=Sleeps())


def test_no_password_over_plain_smtp_to_a_remote_host(documents):
    cfg = make_config(25, host="smtp.example.org", security="none", username=USER)
    with pytest.raises(DeliveryError, match="unencrypted"):
        send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]),
             env={"CCREPORT_SMTP_PASSWORD": PASSWORD}, sleep=Sleeps())


def test_password_never_leaks(auth_server, certs, documents, tmp_path, capfd, ccreport_log):
    """Success, a wrong password, a server that echoes the password, and a dry run: no trace of it."""
    seen: list[str] = []
    handler, _, port = auth_server()
    cfg = make_config(port, security="starttls", cafile=str(certs["ca"]), username=USER)
    msg = build_message(cfg, documents, ["ops@example.org"], summary=SUMMARY)
    send(cfg, msg, env={"CCREPORT_SMTP_PASSWORD": PASSWORD}, sleep=Sleeps())
    seen.append(handler.envelopes[0].original_content.decode("utf-8", "replace"))

    # A wrong password: the server refuses with 535.
    with pytest.raises(DeliveryError) as info:
        send(cfg, msg, env={"CCREPORT_SMTP_PASSWORD": PASSWORD + "-old"}, sleep=Sleeps())
    seen.append(error_text(info.value))
    # A server whose refusal quotes the password, plain and in base64.
    echo = f"535 5.7.8 bad credentials {PASSWORD} {base64.b64encode(PASSWORD.encode()).decode()}"
    _, _, echo_port = auth_server(reply=echo)
    echo_cfg = make_config(echo_port, security="starttls", cafile=str(certs["ca"]), username="other@example.org")
    with pytest.raises(DeliveryError) as info:
        send(echo_cfg, msg, env={"CCREPORT_SMTP_PASSWORD": PASSWORD}, sleep=Sleeps())
    seen.append(error_text(info.value))
    # A server down: retries log warnings, the final error names the reason.
    down = make_config(free_port(), security="starttls", cafile=str(certs["ca"]), username=USER, retries=1)
    with pytest.raises(DeliveryError) as info:
        send(down, msg, env={"CCREPORT_SMTP_PASSWORD": PASSWORD}, sleep=Sleeps())
    seen.append(error_text(info.value))

    eml = write_eml(msg, tmp_path / "out", "monthly-2026-10")
    seen.append(eml.read_bytes().decode("utf-8", "replace"))
    out, err = capfd.readouterr()
    seen += [out, err]
    seen += [r.getMessage() + repr(r.args) for r in ccreport_log.records]
    assert ccreport_log.records, "expected log records to check"
    for text in seen:
        assert secrets_in(text) == []


def test_password_echoed_by_server_is_scrubbed(auth_server, certs, documents):
    echo = f"535 5.7.8 bad credentials for {PASSWORD} ({base64.b64encode(PASSWORD.encode()).decode()})"
    _, auth, port = auth_server(reply=echo)
    # The authenticator only accepts USER; this username makes the login fail with the echo.
    cfg = make_config(port, security="starttls", cafile=str(certs["ca"]), username="someone@example.org")
    with pytest.raises(DeliveryError) as info:
        send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]),
             env={"CCREPORT_SMTP_PASSWORD": PASSWORD}, sleep=Sleeps())
    text = error_text(info.value)
    assert "authentication failed for someone@example.org" in text
    assert "bad credentials for ***" in text
    assert secrets_in(text) == []
    assert len(auth.sessions) == 1


# --------------------------------------------------------------------------- retries


def test_421_then_accepted_after_backoff(smtp_server, documents, ccreport_log):
    handler = Handler(data_failures=["421 4.3.2 System busy, try later", "421 4.3.2 Still busy"])
    port = smtp_server(handler)
    cfg = make_config(port, retries=3)
    sleeps = Sleeps()
    send(cfg, build_message(cfg, documents, ["ops@example.org"]), env={}, sleep=sleeps)
    assert handler.data_calls == 3
    assert len(handler.envelopes) == 1
    assert sleeps == [2, 4]
    assert all(b > a for a, b in zip(sleeps, sleeps[1:]))
    warnings = [r.getMessage() for r in ccreport_log.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "attempt 1 of 4" in warnings[0] and "421" in warnings[0] and "retrying in 2 s" in warnings[0]


def test_permanent_5xx_is_not_retried(smtp_server, documents):
    handler = Handler(data_failures=["554 5.7.1 Message rejected as spam"])
    port = smtp_server(handler)
    cfg = make_config(port)
    sleeps = Sleeps()
    with pytest.raises(DeliveryError, match=r"554 5\.7\.1 Message rejected as spam"):
        send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]), env={}, sleep=sleeps)
    assert handler.data_calls == 1 and sleeps == []


def test_deferred_recipient_is_retried_alone(smtp_server, documents):
    handler = Handler(rcpt_replies={"busy@example.org": ["450 4.2.1 Mailbox busy"]})
    port = smtp_server(handler)
    cfg = make_config(port)
    sleeps = Sleeps()
    send(cfg, build_message(cfg, documents[:1], ["ops@example.org", "busy@example.org"]), env={}, sleep=sleeps)
    assert [e.rcpt_tos for e in handler.envelopes] == [["ops@example.org"], ["busy@example.org"]]
    assert sleeps == [2]


def test_rejected_recipient_is_a_clear_error(smtp_server, documents):
    handler = Handler(rcpt_replies={"nobody@example.org": ["550 5.1.1 No such user"]})
    port = smtp_server(handler)
    cfg = make_config(port)
    sleeps = Sleeps()
    with pytest.raises(DeliveryError) as info:
        send(cfg, build_message(cfg, documents[:1], ["ops@example.org", "nobody@example.org"]), env={},
             sleep=sleeps)
    assert "partly delivered (to ops@example.org)" in str(info.value)
    assert "nobody@example.org: 550 5.1.1 No such user" in str(info.value)
    assert [e.rcpt_tos for e in handler.envelopes] == [["ops@example.org"]]
    assert sleeps == []


def test_server_down_gives_up_after_all_attempts(documents, ccreport_log):
    cfg = make_config(free_port(), retries=3)
    sleeps = Sleeps()
    started = time.monotonic()
    with pytest.raises(DeliveryError) as info:
        send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]), env={}, sleep=sleeps)
    assert time.monotonic() - started < 5
    assert str(info.value).startswith("email not sent: gave up after 4 attempts: connection to 127.0.0.1:")
    assert sleeps == [2, 4, 8]
    assert len([r for r in ccreport_log.records if r.levelno == logging.WARNING]) == 3
    # Raised outside the except block: no socket error rides along.
    assert info.value.__context__ is None and info.value.__cause__ is None


def test_silent_server_times_out_and_retries(documents):
    # Accepts TCP connections (kernel backlog) but never says hello.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        cfg = make_config(listener.getsockname()[1], timeout=0.3, retries=1)
        sleeps = Sleeps()
        with pytest.raises(DeliveryError, match=r"gave up after 2 attempts: .* did not answer within 0.3 s"):
            send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]), env={}, sleep=sleeps)
    assert sleeps == [2]


def test_retries_zero_means_one_attempt(documents):
    sleeps = Sleeps()
    cfg = make_config(free_port(), retries=0)
    with pytest.raises(DeliveryError, match="gave up after 1 attempt:"):
        send(cfg, build_message(cfg, documents[:1], ["ops@example.org"]), env={}, sleep=sleeps)
    assert sleeps == []


# --------------------------------------------------------------------------- header injection


INJECTIONS = [
    "October 2026\r\nBcc: evil@example.net",
    "October 2026\nX-Injected: yes",
    "October 2026\rX-Injected: yes",
    "October 2026\u2028X-Injected: yes\x00\x1b[31m",
]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_crlf_in_title_subject_or_name_adds_no_header(smtp_server, tmp_path, evil):
    handler = Handler()
    port = smtp_server(handler)
    cfg = Config.model_validate({"organisation": {"name": f"Northwind{evil}"},
                                 "email": {"host": "127.0.0.1", "port": port, "security": "none",
                                           "from": "reports@example.org", "retries": 0}})
    weird = tmp_path / "report\nBcc: evil@example.net.pdf"
    weird.write_bytes(b"%PDF-1.7")
    summary = {**SUMMARY, "title": f"Monthly report {evil}", "period": evil}
    for subject in (None, f"Pack {evil}"):
        msg = build_message(cfg, [weird], ["ops@example.org"], subject=subject, summary=summary)
        send(cfg, msg, env={}, sleep=Sleeps())
        got = handler.message()
        assert handler.envelopes[-1].rcpt_tos == ["ops@example.org"]
        assert got["Bcc"] is None and got["X-Injected"] is None
        assert set(got.keys()) == {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted",
                                   "X-Mailer", "MIME-Version", "Content-Type"}
        assert "\n" not in got["Subject"] and "\r" not in got["Subject"]
        assert "X-Injected: yes" in got["Subject"] or "Bcc: evil@example.net" in got["Subject"]
        part = next(got.iter_attachments())
        assert part.get_filename() == "report Bcc: evil@example.net.pdf"
        assert part.get_payload(decode=True) == b"%PDF-1.7"


def test_control_characters_in_addresses_are_refused(tmp_path):
    f = tmp_path / "a.pdf"
    f.write_bytes(b"%PDF-1.7")
    with pytest.raises(DeliveryError, match="--to: .* control characters"):
        build_message(make_config(25), [f], ["ops@example.org\r\nBcc: evil@example.net"])
    with pytest.raises(DeliveryError, match="--cc: 'not an address' is not an email address"):
        build_message(make_config(25), [f], ["ops@example.org"], cc=["not an address"])


@pytest.fixture(scope="module")
def one_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("prop") / "monthly.pdf"
    f.write_bytes(b"%PDF-1.7")
    return f


@settings(max_examples=100, deadline=None)
@given(title=st.text(max_size=80), subject=st.one_of(st.none(), st.text(max_size=80)))
def test_any_title_or_subject_stays_one_header(one_file, title, subject):
    msg = build_message(make_config(25), [one_file], ["ops@example.org"], subject=subject,
                        summary={"title": title, "figures": [{"label": title, "value": title}]})
    got = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    assert set(got.keys()) == {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted",
                               "X-Mailer", "MIME-Version", "Content-Type"}
    assert got["Subject"] == msg["Subject"]
    assert not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in str(got["Subject"]))
    assert clean_header_text(got["Subject"]) == str(got["Subject"])


# --------------------------------------------------------------------------- message errors and .eml


def test_missing_from_file_and_recipients(tmp_path):
    f = tmp_path / "a.pdf"
    f.write_bytes(b"%PDF-1.7")
    no_from = Config.model_validate({"email": {"host": "127.0.0.1"}})
    with pytest.raises(DeliveryError, match="email.from is not set"):
        build_message(no_from, [f], ["ops@example.org"])
    from_user = Config.model_validate({"email": {"username": USER}})
    assert build_message(from_user, [f], ["ops@example.org"])["From"] == USER
    with pytest.raises(DeliveryError, match="a-missing.pdf: cannot attach it: the file does not exist"):
        build_message(make_config(25), [tmp_path / "a-missing.pdf"], ["ops@example.org"])
    with pytest.raises(DeliveryError, match="no recipients"):
        build_message(make_config(25), [f], [])


def test_write_eml_is_atomic_and_complete(documents, tmp_path):
    cfg = make_config(25)
    msg = build_message(cfg, documents, ["ops@example.org"], summary=SUMMARY)
    out = tmp_path / "out" / "nested"
    path = write_eml(msg, out, "monthly-2026-10")
    assert path == out / "monthly-2026-10.eml"
    assert sorted(p.name for p in out.iterdir()) == ["monthly-2026-10.eml"]  # no temp file left
    raw = path.read_bytes()
    assert b"\r\n" in raw
    got = email.message_from_bytes(raw, policy=email.policy.default)
    assert got["Subject"] == msg["Subject"]
    assert [p.get_payload(decode=True) for p in got.iter_attachments()] == [f.read_bytes() for f in documents]
    # Overwrites in place.
    assert write_eml(msg, out, "monthly-2026-10.eml") == path
    assert sorted(p.name for p in out.iterdir()) == ["monthly-2026-10.eml"]
