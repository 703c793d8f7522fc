"""Email backends: the console outbox, and SMTP against a fake server on loopback."""

import socket
import ssl

import pytest

from services import email
from services.email.backends import ConsoleBackend, SmtpBackend, make_backend
from tests.fakes import smtp as fake_smtp

SENDER = "SellerNav <no-reply@sellernav.test>"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return fake_smtp.self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server(request, certificate):
    mode = getattr(request, "param", "none")
    state, server = fake_smtp.start(mode, certificate)
    yield state
    server.shutdown()
    server.server_close()


def _trusting(certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def test_the_console_backend_records_messages_in_memory(app):
    with app.app_context():
        email.email_backend().send("ann@example.com", "Hello", "Body text")
    [sent] = app.extensions["email"].sent
    assert (sent["to"], sent["subject"], sent["body"]) == ("ann@example.com", "Hello", "Body text")


def test_the_console_backend_appends_to_its_log_when_one_is_set(tmp_path):
    log = tmp_path / "instance" / "email-outbox.log"
    backend = ConsoleBackend(str(log))
    backend.send("ann@example.com", "Hello", "Line one")
    backend.send("bob@example.com", "Again", "Line two")
    text = log.read_text(encoding="utf-8")
    assert "To: ann@example.com Subject: Hello\nLine one" in text and "bob@example.com" in text


def test_the_console_backend_writes_no_file_with_an_empty_log_setting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_backend({"EMAIL_BACKEND": "console", "EMAIL_OUTBOX_LOG": ""}).send("a@example.com", "S", "B")
    assert list(tmp_path.iterdir()) == []


def test_the_smtp_backend_is_built_from_its_settings():
    backend = make_backend({"EMAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.example.com", "SMTP_PORT": 587,
                            "SMTP_SECURITY": "starttls", "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p",
                            "SMTP_TIMEOUT": 3, "MAIL_FROM": SENDER})
    assert isinstance(backend, SmtpBackend)
    assert (backend.host, backend.port, backend.security, backend.timeout, backend.sender) == (
        "smtp.example.com", 587, "starttls", 3.0, SENDER)


@pytest.mark.parametrize(("settings", "message"), [
    ({"EMAIL_BACKEND": "smtp"}, "SMTP_HOST"),
    ({"EMAIL_BACKEND": "smtp", "SMTP_HOST": "h", "SMTP_SECURITY": "maybe"}, "SMTP_SECURITY"),
    ({"EMAIL_BACKEND": "pigeon"}, "EMAIL_BACKEND"),
])
def test_a_bad_email_setting_refuses_to_start(settings, message):
    with pytest.raises(ValueError, match=message):
        make_backend(settings)


def test_smtp_without_tls_delivers_a_utf8_message(smtp_server):
    backend = SmtpBackend(smtp_server.host, smtp_server.port, sender=SENDER, security="none", timeout=5)
    backend.send("ann@example.com", "你好 SellerNav", "正文 body")
    [received] = smtp_server.messages
    assert received.sender == "no-reply@sellernav.test" and received.recipients == ["ann@example.com"]
    assert received.message["Subject"] == "你好 SellerNav"
    assert received.message["From"] == SENDER and received.message["Message-ID"].endswith("@sellernav.test>")
    assert received.message.get_content().strip() == "正文 body"


@pytest.mark.parametrize("smtp_server", ["ssl"], indirect=True)
def test_smtp_over_implicit_tls_logs_in_and_delivers(smtp_server, certificate):
    smtp_server.username, smtp_server.password = "mailer", "s3cret"
    backend = SmtpBackend(smtp_server.host, smtp_server.port, sender=SENDER, security="ssl", timeout=5,
                          username="mailer", password="s3cret", ssl_context=_trusting(certificate))
    backend.send("ann@example.com", "Hi", "Body")
    assert smtp_server.logins == ["mailer"] and len(smtp_server.messages) == 1


@pytest.mark.parametrize("smtp_server", ["starttls"], indirect=True)
def test_smtp_with_starttls_upgrades_before_sending(smtp_server, certificate):
    backend = SmtpBackend(smtp_server.host, smtp_server.port, sender=SENDER, security="starttls", timeout=5,
                          ssl_context=_trusting(certificate))
    backend.send("ann@example.com", "Hi", "Body")
    assert len(smtp_server.messages) == 1


def test_starttls_refuses_to_send_in_clear_when_the_server_does_not_offer_it(smtp_server, certificate):
    backend = SmtpBackend(smtp_server.host, smtp_server.port, sender=SENDER, security="starttls", timeout=5,
                          ssl_context=_trusting(certificate))
    with pytest.raises(email.EmailDeliveryError):
        backend.send("ann@example.com", "Hi", "Body")
    assert smtp_server.messages == []


@pytest.mark.parametrize("smtp_server", ["ssl"], indirect=True)
def test_an_untrusted_certificate_is_refused(smtp_server):
    backend = SmtpBackend(smtp_server.host, smtp_server.port, sender=SENDER, security="ssl", timeout=5)
    with pytest.raises(email.EmailDeliveryError):
        backend.send("ann@example.com", "Hi", "Body")
    assert smtp_server.messages == []


def test_a_wrong_password_is_a_delivery_error_that_does_not_repeat_the_password(smtp_server):
    smtp_server.username, smtp_server.password = "mailer", "right-one"
    backend = SmtpBackend(smtp_server.host, smtp_server.port, sender=SENDER, security="none", timeout=5,
                          username="mailer", password="wrong-one")
    with pytest.raises(email.EmailDeliveryError, match="535") as raised:
        backend.send("ann@example.com", "Hi", "Body")
    assert "wrong-one" not in str(raised.value)


def test_a_refused_recipient_is_a_delivery_error(smtp_server):
    smtp_server.reject_recipients.add("ghost@example.com")
    backend = SmtpBackend(smtp_server.host, smtp_server.port, sender=SENDER, security="none", timeout=5)
    with pytest.raises(email.EmailDeliveryError, match="recipient refused"):
        backend.send("ghost@example.com", "Hi", "Body")


def test_an_unreachable_server_is_a_delivery_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = SmtpBackend("127.0.0.1", port, sender=SENDER, security="none", timeout=2)
    with pytest.raises(email.EmailDeliveryError, match="ConnectionRefusedError"):
        backend.send("ann@example.com", "Hi", "Body")
