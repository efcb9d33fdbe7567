"""Email delivery (SPEC §6): build the message, send it over SMTP, or write it as an .eml file.

Three promises shape this module:

* The server certificate is always verified. smtplib verifies nothing unless it is given a
  context, so every TLS connection gets `ssl.create_default_context(cafile=...)`.
* The password comes only from the environment variable `email.password_env` names, and is
  never written anywhere: not in messages, exceptions, log records, reprs or .eml files. Any
  server or library text that reaches a message is scrubbed first, and errors are raised
  outside `except` blocks so no original exception rides along as `__context__`.
* A send never hangs: every attempt and the whole send have a wall-clock deadline
  (`email.attempt_deadline`, `email.deadline`), enforced by a watchdog that shuts the socket
  down, because smtplib's timeout bounds each read, not a server that trickles one byte at a time.
* Header values are built from text we do not control (titles, organisation names, file
  names), so control characters are removed before they reach a header: a title containing
  CR/LF cannot add a `Bcc:`.

Delivery never computes a number: the headline figures arrive as formatted strings.
"""

from __future__ import annotations

import base64
import email.policy
import email.utils
import html
import ipaddress
import logging
import mimetypes
import os
import re
import smtplib
import socket
import ssl
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from . import __version__
from .errors import DeliveryError

if TYPE_CHECKING:
    from .config import Config

log = logging.getLogger("ccreport")

__all__ = ["build_message", "send", "write_eml", "DeliveryError"]

#: Types `mimetypes` may not know on a minimal system (no /etc/mime.types), or gets wrong.
MIME_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html",
    ".htm": "text/html",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".csv": "text/csv",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: First wait between attempts, in seconds; it doubles after each failure (2, 4, 8 ...).
BACKOFF_BASE = 2.0
#: No single wait is longer than this, whatever `email.retries` says.
BACKOFF_MAX = 300.0
#: Subjects longer than this are cut: mail clients show about 80 characters anyway.
SUBJECT_MAX = 200

_SPACES = re.compile(r"\s+")


# --------------------------------------------------------------------------- header safety


def clean_header_text(value: Any, max_len: int | None = None) -> str:
    """One line of text that is safe in a header: control characters gone, whitespace collapsed.

    Line breaks (CR, LF, NEL, U+2028/2029) and tabs become spaces so that words stay apart;
    every other control, format, surrogate, private-use or unassigned character (category C*:
    NUL, ESC, bidi overrides ...) is dropped, except the zero-width joiners some scripts need.
    """
    out = []
    for ch in str(value):
        cat = unicodedata.category(ch)
        if ch in "\r\n\t\v\f\x85\u2028\u2029" or cat in ("Zl", "Zp"):
            out.append(" ")
        elif cat.startswith("C") and ch not in "\u200c\u200d":
            continue
        else:
            out.append(ch)
    text = _SPACES.sub(" ", "".join(out)).strip()
    if max_len is not None and len(text) > max_len:
        text = text[: max_len - 1].rstrip() + "…"
    return text


def _address(value: str, what: str) -> Address:
    """Parse one address ("a@b.org" or "Name <a@b.org>"); a DeliveryError names a bad one."""
    raw = str(value)
    if any(unicodedata.category(ch) == "Cc" for ch in raw):
        raise DeliveryError(f"{what}: {clean_header_text(raw)!r} contains control characters; "
                            "give a plain address like ops@example.org")
    name, addr = email.utils.parseaddr(raw.strip())
    if not addr or "@" not in addr or _unquoted_count(raw, "@") != 1 or any(ch.isspace() for ch in addr):
        raise DeliveryError(f"{what}: {raw.strip()!r} is not an email address like ops@example.org"
                            + (" (separate several addresses with commas)" if _unquoted_count(raw, "@") > 1 else ""))
    try:
        return Address(display_name=clean_header_text(name), addr_spec=addr)
    except (ValueError, IndexError, TypeError):
        raise DeliveryError(f"{what}: {raw.strip()!r} is not an email address like ops@example.org") from None


_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|\([^()]*\)')


def _unquoted_count(text: str, char: str) -> int:
    """How often `char` occurs outside "quoted" display names and (comments)."""
    return _QUOTED_OR_COMMENT.sub("", text).count(char)


def split_addresses(value: str, separators: str = ",;") -> list[str]:
    """"a@x.org, Name <b@y.org>; c@z.org" -> its addresses, split at commas or semicolons that
    are not inside a quoted display name ("Doe, Jane" <j@x.org>), a comment or <...>. Users
    type lists in one option or config entry; taking only the first would lose the others."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    depth = angle = 0
    for ch in str(value):
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"' and not depth:
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")" and depth:
            depth -= 1
        elif not quoted and not depth and ch == "<":
            angle += 1
        elif not quoted and not depth and ch == ">" and angle:
            angle -= 1
        elif not quoted and not depth and not angle and ch in separators:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _addresses(values: Iterable[str], what: str) -> list[Address]:
    """Every address in `values`, each entry split at commas (see `split_addresses`), checked
    one by one and without duplicates; an entry with no address at all is an error."""
    seen: set[str] = set()
    out: list[Address] = []
    for value in values:
        pieces = [p for p in split_addresses(str(value)) if p.strip()]
        if not pieces:
            raise DeliveryError(f"{what}: {str(value).strip()!r} is not an email address like ops@example.org")
        for piece in pieces:
            a = _address(piece, what)
            if a.addr_spec.lower() not in seen:
                seen.add(a.addr_spec.lower())
                out.append(a)
    return out


# --------------------------------------------------------------------------- the message


def mime_type(path: Path) -> tuple[str, str]:
    """(maintype, subtype) for an attachment: our table first, then `mimetypes`, else octet-stream."""
    ctype = MIME_TYPES.get(path.suffix.lower())
    if ctype is None:
        guessed, encoding = mimetypes.guess_type(path.name, strict=False)
        # A compressed file (x.csv.gz) is sent as what it is on disk, not as its content type.
        ctype = guessed if guessed and not encoding else "application/octet-stream"
    maintype, _, subtype = ctype.partition("/")
    return maintype, subtype


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


_KIND = {"application/pdf": "PDF", "text/html": "HTML", "text/markdown": "Markdown",
         MIME_TYPES[".docx"]: "Word"}


@dataclass
class _Attachment:
    name: str
    maintype: str
    subtype: str
    data: bytes = field(repr=False)

    @property
    def kind(self) -> str:
        return _KIND.get(f"{self.maintype}/{self.subtype}", self.subtype.upper())


def _read_attachments(files: Sequence[Path]) -> list[_Attachment]:
    out: list[_Attachment] = []
    for f in files:
        path = Path(f)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise DeliveryError(f"{path}: cannot attach it: the file does not exist") from None
        except IsADirectoryError:
            raise DeliveryError(f"{path}: cannot attach it: it is a folder, not a file") from None
        except OSError as err:
            raise DeliveryError(f"{path}: cannot attach it ({err.strerror or err})") from None
        maintype, subtype = mime_type(path)
        # The name reaches a Content-Disposition header; file names can hold newlines too.
        name = clean_header_text(path.name) or "attachment"
        out.append(_Attachment(name, maintype, subtype, data))
    return out


def _figures(summary: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """(label, value, change) rows from the summary, all as display text."""
    rows: list[tuple[str, str, str]] = []
    for fig in (summary or {}).get("figures") or ():
        if not isinstance(fig, Mapping):
            raise DeliveryError("email summary: each figure must be a mapping with label and value")
        label = clean_header_text(fig.get("label", ""))
        value = clean_header_text(fig.get("value", "")) or "–"
        change = clean_header_text(fig.get("change") or "")
        if label:
            rows.append((label, value, change))
    return rows


def _points(summary: Mapping[str, Any] | None) -> list[str]:
    """The report's leading findings as one-line display text (at most five)."""
    points = (summary or {}).get("points") or ()
    return [p for p in (clean_header_text(str(x)) for x in list(points)[:5]) if p]


def _text_body(org: str, title: str, period: str, rows: list[tuple[str, str, str]],
               attachments: list[_Attachment], points: list[str] = ()) -> str:
    lines = [title or org, ""]
    if period:
        lines += [f"Period: {period}", ""]
    if points:
        lines.append("In brief")
        lines += [f"  - {p}" for p in points]
        lines.append("")
    if rows:
        lines.append("Headline figures")
        w_label = max(len(r[0]) for r in rows)
        w_value = max(len(r[1]) for r in rows)
        for label, value, change in rows:
            line = f"  {label:<{w_label}}  {value:>{w_value}}"
            lines.append(f"{line}  {change}" if change else line)
        lines.append("")
    noun = "document" if len(attachments) == 1 else "documents"
    lines.append(f"Attached {noun}:" if attachments else "No documents are attached.")
    lines += [f"  - {a.name} ({a.kind}, {_size(len(a.data))})" for a in attachments]
    lines += ["", f"Sent by ccreport {__version__} for {org}."]
    return "\n".join(lines) + "\n"


def _html_body(org: str, title: str, period: str, rows: list[tuple[str, str, str]],
               attachments: list[_Attachment], colour: str, points: list[str] = ()) -> str:
    e = html.escape
    # Inline styles only: mail clients drop <style> blocks and must never fetch anything.
    cell = "padding:4px 12px 4px 0;border-bottom:1px solid #ddd;"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title or org)}</title></head>",
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;">',
        f'<h1 style="font-size:18px;color:{e(colour)};margin:0 0 8px 0;">{e(title or org)}</h1>',
    ]
    if period:
        parts.append(f"<p>Period: {e(period)}</p>")
    if points:
        parts.append('<p style="font-weight:bold;margin-bottom:4px;">In brief</p><ul>')
        parts += [f"<li>{e(p)}</li>" for p in points]
        parts.append("</ul>")
    if rows:
        parts += [
            '<table style="border-collapse:collapse;margin:8px 0 16px 0;">',
            "<caption style=\"text-align:left;font-weight:bold;padding-bottom:4px;\">Headline figures</caption>",
            "<thead><tr>"
            f'<th scope="col" style="{cell}text-align:left;">Figure</th>'
            f'<th scope="col" style="{cell}text-align:right;">Value</th>'
            f'<th scope="col" style="{cell}text-align:left;">Change</th>'
            "</tr></thead><tbody>",
        ]
        for label, value, change in rows:
            parts.append(
                f'<tr><th scope="row" style="{cell}text-align:left;font-weight:normal;">{e(label)}</th>'
                f'<td style="{cell}text-align:right;font-variant-numeric:tabular-nums;">{e(value)}</td>'
                f'<td style="{cell}">{e(change)}</td></tr>'
            )
        parts.append("</tbody></table>")
    if attachments:
        noun = "document" if len(attachments) == 1 else "documents"
        parts.append(f"<p>Attached {noun}:</p><ul>")
        parts += [f"<li>{e(a.name)} ({e(a.kind)}, {e(_size(len(a.data)))})</li>" for a in attachments]
        parts.append("</ul>")
    else:
        parts.append("<p>No documents are attached.</p>")
    parts += [
        f'<p style="color:#666;font-size:12px;">Sent by ccreport {e(__version__)} for {e(org)}.</p>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _sender(config: "Config") -> Address:
    em = config.email
    if em.from_:
        return _address(em.from_, "email.from")
    if em.username and "@" in em.username:
        return _address(em.username, "email.username")
    raise DeliveryError("email.from is not set: add `from: reports@example.org` under `email:` "
                        "in ccreport.yaml")


def _prefixed(org: str, about: str) -> str:
    """"<org>: <about>", unless `about` already starts with the organisation's name (the
    monthly summary's title is "<org>: monthly incident report, ..."): never "X: X: ..."."""
    if about.casefold() == org.casefold() or about.casefold().startswith(f"{org}:".casefold()):
        return about
    return f"{org}: {about}"


def build_message(
    config: "Config",
    files: Sequence[Path],
    to: Sequence[str],
    cc: Sequence[str] = (),
    subject: str | None = None,
    summary: Mapping[str, Any] | None = None,
) -> EmailMessage:
    """The email for `files`: text and HTML body (with the headline figures) plus attachments.

    From is `email.from` (or the username when it is an address). The subject defaults to
    "<organisation>: <summary title, else the file names>". `summary` is
    `{"title", "period", "figures": [{"label", "value", "change"}]}`, all display strings.
    """
    sender = _sender(config)
    to_addrs = _addresses(to, "--to")
    cc_addrs = [a for a in _addresses(cc, "--cc") if a.addr_spec.lower() not in
                {t.addr_spec.lower() for t in to_addrs}]
    if not to_addrs:
        raise DeliveryError("no recipients: give --to ADDRESS or set email.to in ccreport.yaml")
    attachments = _read_attachments(files)

    org = clean_header_text(config.organisation.name) or "ccreport"
    summary = summary or {}
    title = clean_header_text(summary.get("title") or "")
    period = clean_header_text(summary.get("period") or "")
    rows = _figures(summary)
    if subject is not None and clean_header_text(subject):
        subject_text = clean_header_text(subject, SUBJECT_MAX)
    else:
        about = title or ", ".join(a.name for a in attachments) or "report"
        subject_text = clean_header_text(_prefixed(org, about), SUBJECT_MAX)

    msg = EmailMessage(policy=email.policy.default)
    msg["From"] = sender
    msg["To"] = to_addrs
    if cc_addrs:
        msg["Cc"] = cc_addrs
    msg["Subject"] = subject_text
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = email.utils.make_msgid(idstring="ccreport", domain=sender.domain or None)
    # RFC 3834: tells out-of-office responders not to answer a scheduled report.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Mailer"] = f"ccreport {__version__}"

    points = _points(summary)
    msg.set_content(_text_body(org, title, period, rows, attachments, points), subtype="plain", charset="utf-8")
    msg.add_alternative(_html_body(org, title, period, rows, attachments, config.organisation.primary_colour,
                                   points), subtype="html", charset="utf-8")
    for a in attachments:
        # Bytes go in base64 whatever the type, so an HTML or Markdown file arrives byte for
        # byte (no charset guessing, no line-ending changes).
        msg.add_attachment(a.data, maintype=a.maintype, subtype=a.subtype, filename=a.name)
    return msg


# --------------------------------------------------------------------------- .eml for --dry-run


def write_eml(message: EmailMessage, out_dir: Path, name: str) -> Path:
    """Write `message` to `out_dir/<name>.eml` atomically (temp file + rename); return the path.

    The message never holds a password (it is only used at `send` time), so neither does the file.
    """
    from .render.files import atomic_write_bytes, safe_basename

    out = Path(out_dir)
    stem = safe_basename(name.removesuffix(".eml"))
    try:
        out.mkdir(parents=True, exist_ok=True)
        # CRLF line ends: the canonical form of a message (RFC 5322), which every mail client opens.
        return atomic_write_bytes(out / f"{stem}.eml", message.as_bytes(policy=email.policy.SMTP))
    except OSError as err:
        raise DeliveryError(f"{out}: cannot write the .eml file ({err.strerror or err})") from None


# --------------------------------------------------------------------------- sending


class _Secret:
    """Holds the password so that repr(), str() and tracebacks with locals show `***`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


class _Scrubber:
    """Removes the password, and the base64 forms AUTH sends it in, from any text."""

    def __init__(self, username: str | None, secret: _Secret | None) -> None:
        self._needles: list[str] = []
        if secret is not None and secret.reveal():
            pw = secret.reveal()
            user = username or ""
            # Server text is cleaned (whitespace collapsed) before it reaches a message, so a
            # password with double spaces or a tab is also looked for in its collapsed forms.
            forms = {pw, clean_header_text(pw), " ".join(pw.split()), _SPACES.sub(" ", pw)}
            self._needles = [f for f in forms if f.strip()]
            for raw in (pw, f"\0{user}\0{pw}", f"{user}\0{pw}"):
                self._needles.append(base64.b64encode(raw.encode("utf-8")).decode("ascii"))
            self._needles = sorted(set(self._needles), key=len, reverse=True)

    def __call__(self, text: Any) -> str:
        out = str(text)
        for needle in self._needles:
            out = out.replace(needle, "***")
        return out


def _password(config: "Config", env: Mapping[str, str]) -> _Secret | None:
    em = config.email
    if not em.username:
        return None
    value = env.get(em.password_env)
    if not value:
        raise DeliveryError(
            f"set {em.password_env} to the SMTP password for {em.username} "
            f"(email.password_env names the variable; it is unset or empty)"
        )
    return _Secret(value)


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _tls_context(config: "Config") -> ssl.SSLContext:
    cafile = config.resolve_path(config.email.cafile)
    try:
        # Verification on, hostname checked: create_default_context's defaults, kept on purpose.
        return ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except (OSError, ssl.SSLError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        problem = f"email.cafile: cannot load {cafile} ({reason}); give a PEM file with the CA certificate"
    raise DeliveryError(problem)


def _reply_text(code: int, reply: Any) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {clean_header_text(text)}".strip()


@dataclass
class _Outcome:
    """What one failed attempt means: a reason to show, and whether trying again may help."""

    reason: str
    temporary: bool


def _classify(err: BaseException, config: "Config", scrub: _Scrubber) -> _Outcome:
    em = config.email
    where = f"{em.host}:{em.port}"
    if isinstance(err, ssl.SSLCertVerificationError):
        detail = err.verify_message or err.reason or str(err)
        return _Outcome(
            f"the certificate of {where} could not be verified ({scrub(detail)}); if the server "
            "uses a private CA, set email.cafile to that CA's certificate (PEM)", False)
    if isinstance(err, ssl.SSLError):
        return _Outcome(
            f"TLS with {where} failed ({scrub(err.reason or err)}); check email.security "
            "(ssl is usually port 465, starttls 587)", False)
    if isinstance(err, smtplib.SMTPAuthenticationError):
        reply = scrub(_reply_text(err.smtp_code, err.smtp_error))
        if 400 <= err.smtp_code < 500:
            return _Outcome(f"authentication for {em.username} at {where} temporarily failed ({reply})", True)
        return _Outcome(
            f"authentication failed for {em.username} at {where} ({reply}); check the password "
            f"in {em.password_env} and email.username", False)
    if isinstance(err, smtplib.SMTPServerDisconnected):
        # smtplib reports a read timeout as a disconnect ("Connection unexpectedly closed: timed out").
        if "timed out" in str(err):
            return _Outcome(f"{where} did not answer within {em.timeout:g} s", True)
        return _Outcome(f"{where} closed the connection ({scrub(err) or 'no reason given'})", True)
    if isinstance(err, smtplib.SMTPResponseException):
        reply = scrub(_reply_text(err.smtp_code, err.smtp_error))
        return _Outcome(f"{where} answered {reply}", 400 <= err.smtp_code < 500)
    if isinstance(err, smtplib.SMTPNotSupportedError):
        hint = " (set email.security: ssl or none to match the server)" if "STARTTLS" in str(err) else ""
        return _Outcome(f"{where}: {scrub(err)}{hint}", False)
    if isinstance(err, smtplib.SMTPException):
        return _Outcome(f"{where}: {scrub(err)}", False)
    if isinstance(err, socket.gaierror):
        return _Outcome(f"cannot resolve {em.host} ({scrub(err.strerror or err)})", True)
    if isinstance(err, (TimeoutError, socket.timeout)):
        return _Outcome(f"{where} did not answer within {em.timeout:g} s", True)
    if isinstance(err, ConnectionRefusedError):
        return _Outcome(f"connection to {where} refused (is the mail server running on that port?)", True)
    if isinstance(err, OSError):
        return _Outcome(f"cannot reach {where} ({scrub(err.strerror or err)})", True)
    return _Outcome(f"{where}: {type(err).__name__}: {scrub(err)}", False)


def _deadline_outcome(config: "Config", whole_send: bool) -> _Outcome:
    """An attempt the watchdog stopped: retried if the whole send still has time."""
    em = config.email
    where = f"{em.host}:{em.port}"
    if whole_send:
        return _Outcome(f"{where} did not complete the send within email.deadline ({em.deadline:g} s)", False)
    return _Outcome(f"{where} did not complete an attempt within email.attempt_deadline "
                    f"({em.attempt_deadline:g} s)", True)


def _recipients(message: EmailMessage) -> list[str]:
    fields = [str(v) for key in ("To", "Cc", "Bcc") for v in message.get_all(key, [])]
    seen: dict[str, None] = {}
    for _, addr in email.utils.getaddresses(fields):
        if addr and addr.lower() not in (a.lower() for a in seen):
            seen[addr] = None
    return list(seen)


class _Watchdog:
    """A wall-clock limit on one attempt: when it passes, the connection's socket is shut down,
    which wakes smtplib from any blocking read or write at once (EOF or EPIPE) in every phase:
    greeting, TLS handshake, login, DATA, QUIT.

    The socket is watched through a duplicate descriptor of our own, so shutting it down can
    never hit an unrelated descriptor that reused the number after smtplib closed its own.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
            self._sock = socket.socket(fileno=os.dup(sock.fileno()))
            if self.expired:
                self._shutdown()

    def passed(self) -> bool:
        """The limit has passed: the timer fired, or a read timed out at the same moment (the
        reads' timeout is capped at this limit, so either may wake first)."""
        return self.expired or time.monotonic() >= self._ends

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            self._shutdown()

    def _shutdown(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the peer: nothing left to wake

    def stop(self) -> None:
        self._timer.cancel()
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def _smtp_class(security: str, watchdog: _Watchdog) -> type[smtplib.SMTP]:
    """smtplib's class for `security`, handing its TCP socket to the watchdog as soon as it is
    connected (before the greeting, and before the TLS handshake of implicit TLS)."""

    class Watched(smtplib.SMTP):
        def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
            sock = super()._get_socket(host, port, timeout)
            watchdog.watch(sock)
            return sock

    if security == "ssl":
        # MRO SMTP_SSL -> Watched -> SMTP: SMTP_SSL wraps the socket Watched has registered.
        return type("WatchedSSL", (smtplib.SMTP_SSL, Watched), {})
    return Watched


def _send_once(config: "Config", message: EmailMessage, recipients: list[str],
               secret: _Secret | None, context: ssl.SSLContext | None,
               watchdog: _Watchdog) -> dict[str, tuple[int, bytes]]:
    """One connection: connect, TLS, login, send. Returns the recipients the server refused."""
    em = config.email
    # No single read or connect may outlast the attempt either.
    timeout = max(min(em.timeout, watchdog.seconds), 0.001)
    smtp: smtplib.SMTP
    if em.security == "ssl":
        smtp = _smtp_class("ssl", watchdog)(em.host, em.port, timeout=timeout, context=context)
    else:
        smtp = _smtp_class(em.security, watchdog)(em.host, em.port, timeout=timeout)
    try:
        smtp.ehlo()
        if em.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if secret is not None:
            smtp.login(em.username or "", secret.reveal())
        return smtp.send_message(message, to_addrs=recipients)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def send(
    config: "Config",
    message: EmailMessage,
    *,
    env: Mapping[str, str] = os.environ,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send `message` through the SMTP server in `config.email`, retrying temporary failures.

    `email.retries` is the number of retries after the first attempt, with waits of 2, 4, 8 ...
    seconds. A temporary failure (no connection, timeout, disconnect, any 4xx reply) is retried;
    a permanent one (5xx, authentication, certificate) and the last retry raise DeliveryError.
    When the server takes some recipients and defers others (4xx), only those are retried.
    No attempt takes longer than `email.attempt_deadline` seconds and the whole send, waits
    included, no longer than `email.deadline`: then it fails with DeliveryError (exit 1).
    """
    em = config.email
    where = f"{em.host}:{em.port}"
    if em.security not in ("starttls", "ssl", "none"):
        raise DeliveryError(f"email.security: {em.security!r} is not one of starttls, ssl, none")
    recipients = _recipients(message)
    if not recipients:
        raise DeliveryError("the message has no recipients: give --to ADDRESS or set email.to")
    # Both checks come before any connection: nothing is sent when the setup is wrong.
    secret = _password(config, env)
    if secret is not None and em.security == "none" and not _is_loopback(em.host):
        raise DeliveryError(
            f"email.security is none: refusing to send the password for {em.username} unencrypted "
            f"to {where}; use security: starttls or ssl")
    context = _tls_context(config) if em.security != "none" else None
    scrub = _Scrubber(em.username, secret)

    attempts = max(0, em.retries) + 1
    pending = list(recipients)
    delivered: list[str] = []
    rejected: list[str] = []       # permanent refusals of single recipients
    failure: str | None = None     # the reason of the last failed attempt
    end = time.monotonic() + em.deadline
    for attempt in range(1, attempts + 1):
        outcome: _Outcome | None = None
        remaining = end - time.monotonic()
        # The last attempt that fits gets what is left of the whole send's deadline.
        last_chance = remaining <= em.attempt_deadline
        watchdog = _Watchdog(min(em.attempt_deadline, remaining))
        try:
            refused = _send_once(config, message, pending, secret, context, watchdog)
        except smtplib.SMTPRecipientsRefused as err:
            refused = dict(err.recipients)  # nobody got it; sorted out below
        except Exception as err:  # noqa: BLE001 - every failure is classified, none escapes raw
            refused = {}
            outcome = (_deadline_outcome(config, last_chance) if watchdog.passed()
                       else _classify(err, config, scrub))
        else:
            delivered += [r for r in pending if r not in refused]
        finally:
            watchdog.stop()
        if refused:
            # Refusals are per recipient: a 5xx one is final, a 4xx one is tried again alone,
            # so nobody who already has the message gets it twice.
            deferred = {a: v for a, v in refused.items() if 400 <= v[0] < 500}
            rejected += [f"{a}: {scrub(_reply_text(*v))}" for a, v in refused.items() if a not in deferred]
            pending = list(deferred)
            outcome = _Outcome(f"{where} deferred " + "; ".join(
                f"{a}: {scrub(_reply_text(*v))}" for a, v in deferred.items()), True) if deferred else None
        elif outcome is None:
            pending = []
        if outcome is None:
            failure = None
            break
        failure = outcome.reason
        if not outcome.temporary:
            break
        delay = min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_MAX)
        if attempt < attempts and delay < end - time.monotonic():
            log.warning("email attempt %d of %d failed: %s; retrying in %g s",
                        attempt, attempts, outcome.reason, delay)
            sleep(delay)
        elif attempt < attempts:
            failure = (f"gave up after {attempt} attempt{'s' if attempt != 1 else ''}: {outcome.reason}; "
                       f"no time is left for another within email.deadline ({em.deadline:g} s)")
            break
        else:
            failure = f"gave up after {attempts} attempt{'s' if attempts != 1 else ''}: {outcome.reason}"

    n_docs = sum(1 for _ in message.iter_attachments())
    if delivered:
        noun = "document" if n_docs == 1 else "documents"
        log.info("Sent %d %s to %s via %s", n_docs, noun, ", ".join(delivered), where)
    problems = []
    if failure:
        problems.append(failure)
    if rejected:
        problems.append(f"{where} refused " + "; ".join(rejected))
    if problems:
        prefix = f"email partly delivered (to {', '.join(delivered)}); " if delivered else "email not sent: "
        # Raised here, outside any except block, so no original exception is chained to it.
        raise DeliveryError(scrub(prefix + "; ".join(problems)))
