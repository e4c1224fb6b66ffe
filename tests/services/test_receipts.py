"""Signed filing receipts: signing, the text format, parsing, keys and the check against records."""

from __future__ import annotations

import dataclasses
import hashlib
import stat
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from models import Category, Complaint
from models.enums import Channel, Privacy
from portal.services.receipts import (
    FORMAT_HEADER,
    MAX_RECEIPT_TEXT_BYTES,
    InvalidReceipt,
    Receipt,
    ReceiptSigner,
    check_receipt,
    content_digest,
    issue_receipt,
    load_public_key,
    new_private_key_pem,
    verify_signature,
)

CODE = "ZI-7K3F-9QPM"
FILED_AT = datetime(2025, 3, 14, 2, 3, 4, tzinfo=UTC)
FIELDS = {
    "title": "Pungutan liar di loket KTP",
    "body": "Petugas meminta Rp50.000 agar KTP selesai hari itu.",
    "category": "pungli",
    "unit": "direktorat-pendaftaran-penduduk",
    "incident_date": date(2025, 3, 10),
    "incident_place": "Loket 3",
    "reported_party": None,
    "privacy": Privacy.ANONIM,
    "channel": Channel.WEB,
    "attachments": ["b" * 64, "a" * 64],
}
DIGEST = content_digest(FIELDS)


@pytest.fixture
def signer() -> ReceiptSigner:
    return ReceiptSigner.from_pem(new_private_key_pem())


@pytest.fixture
def receipt(signer) -> Receipt:
    return issue_receipt(signer, code=CODE, filed_at=FILED_AT, content_sha256=DIGEST)


def add_complaint(session, *, code: str = CODE, content_sha256: str | None = DIGEST) -> Complaint:
    category = Category(slug=f"pungli-{code.lower()}", name="Pungutan liar", name_en="Extortion")
    complaint = Complaint(
        code=code,
        access_key_hash="0" * 64,
        channel=Channel.WEB,
        category=category,
        title="Judul rahasia",
        body="Isi rahasia",
        privacy=Privacy.ANONIM,
        content_sha256=content_sha256,
    )
    session.add_all([category, complaint])
    session.commit()
    return complaint


# --- Signing and the text format ----------------------------------------------------------------


def test_receipt_round_trips_through_its_text_and_verifies(signer, receipt):
    parsed = Receipt.parse(receipt.to_text())
    assert parsed == receipt
    assert parsed.filed_at == FILED_AT and parsed.key_id == signer.key_id
    assert signer.verify(parsed.payload(), parsed.signature_bytes())
    # Another body's path: only the public PEM, the payload and the signature.
    assert verify_signature(signer.public_pem(), parsed.payload(), parsed.signature_bytes())


def test_payload_is_the_fixed_versioned_line_format(receipt, signer):
    assert (
        receipt.payload()
        == (
            f"ZI-PORTAL-RECEIPT/1\ncode:{CODE}\nfiled_at:2025-03-14T02:03:04Z\n"
            f"content_sha256:{DIGEST}\nkey_id:{signer.key_id}\n"
        ).encode()
    )


def test_text_ends_with_the_machine_lines_and_explains_in_indonesian(receipt):
    text = receipt.to_text()
    assert text.endswith(receipt.payload().decode() + f"signature:{receipt.signature}\n")
    assert "TANDA TERIMA PENGADUAN" in text and "/verifikasi" in text
    assert "14 Maret 2025 09.03.04 WIB" in text  # the filing time for people is in WIB
    assert "Ed25519" in text and "kunci-publik.pem" in text


def test_text_explains_in_english_when_asked(receipt):
    text = receipt.to_text("en", verify_url="https://zi.example.go.id/verifikasi")
    assert "COMPLAINT RECEIPT" in text and "https://zi.example.go.id/verifikasi" in text
    assert Receipt.parse(text) == receipt


def test_filing_time_is_kept_to_the_second_in_utc(signer):
    wib = datetime(2025, 3, 14, 9, 3, 4, 999_999, tzinfo=timezone(timedelta(hours=7)))
    issued = issue_receipt(signer, code=CODE, filed_at=wib, content_sha256=DIGEST)
    assert issued.filed_at == FILED_AT and issued.filed_at.tzinfo is UTC
    assert Receipt.parse(issued.to_text()) == issued


def test_naive_filing_time_is_refused(signer):
    with pytest.raises(ValueError, match="timezone-aware"):
        issue_receipt(signer, code=CODE, filed_at=datetime(2025, 3, 14), content_sha256=DIGEST)


@pytest.mark.parametrize(
    ("line", "forged"),
    [
        (f"code:{CODE}", "code:ZI-7K3F-9QPN"),
        ("filed_at:2025-03-14T02:03:04Z", "filed_at:2025-03-14T02:03:05Z"),
        (f"content_sha256:{DIGEST}", f"content_sha256:{'0' * 64}"),
    ],
    ids=["code", "time", "digest"],
)
def test_receipt_with_a_changed_field_fails(session, signer, receipt, line, forged):
    text = receipt.to_text()
    assert line in text
    check = check_receipt(session, Receipt.parse(text.replace(line, forged)), signer)
    assert not check.signature_valid and not check.valid
    assert check.key_known and check.record_found is None


def test_receipt_with_a_changed_key_id_fails(session, signer, receipt):
    forged = dataclasses.replace(receipt, key_id="0123456789abcdef")
    check = check_receipt(session, forged, signer)
    assert not check.signature_valid and not check.key_known


def test_receipt_signed_by_another_key_fails_as_unknown_key(session, signer):
    other = ReceiptSigner.from_pem(new_private_key_pem())
    forged = issue_receipt(other, code=CODE, filed_at=FILED_AT, content_sha256=DIGEST)
    add_complaint(session)
    check = check_receipt(session, forged, signer)
    assert check == dataclasses.replace(check, signature_valid=False, key_known=False)
    assert check.record_found is None  # nothing about the record is told for a forgery


def test_signature_of_another_key_under_our_key_id_fails(session, signer):
    other = ReceiptSigner.from_pem(new_private_key_pem())
    unsigned = issue_receipt(signer, code=CODE, filed_at=FILED_AT, content_sha256=DIGEST)
    forged = dataclasses.replace(
        unsigned,
        signature=issue_receipt(
            other, code=CODE, filed_at=FILED_AT, content_sha256=DIGEST
        ).signature,
    )
    check = check_receipt(session, forged, signer)
    assert check.key_known and not check.signature_valid


def test_verify_signature_rejects_a_changed_payload(signer, receipt):
    assert not verify_signature(
        signer.public_key, receipt.payload() + b"x", receipt.signature_bytes()
    )


# --- Parsing -------------------------------------------------------------------------------------


def test_parse_tolerates_crlf_indentation_and_surrounding_prose(receipt):
    machine = receipt.to_text().split("\n\n")[-1].strip().splitlines()
    pasted = (
        "Yth. Ombudsman,\r\nberikut tanda terima saya:\r\n\r\n"
        + "\r\n".join(f"   {line}  " for line in machine)
        + "\r\n\r\nTerima kasih.\r\n-- \r\nDikirim dari ponsel saya\r\n"
    )
    assert Receipt.parse(pasted) == receipt


def test_parse_reads_a_receipt_saved_with_windows_line_ends(receipt):
    assert Receipt.parse(receipt.to_text().replace("\n", "\r\n")) == receipt


def _machine(receipt: Receipt, **changes: str) -> str:
    values = {
        "code": receipt.code,
        "filed_at": "2025-03-14T02:03:04Z",
        "content_sha256": receipt.content_sha256,
        "key_id": receipt.key_id,
        "signature": receipt.signature,
    }
    values.update(changes)
    lines = [FORMAT_HEADER] + [f"{k}:{v}" for k, v in values.items() if v is not None]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda r: "Halo, ini bukan tanda terima.", "tidak ditemukan"),
        (lambda r: _machine(r).replace(FORMAT_HEADER, "ZI-PORTAL-RECEIPT/9"), "Versi"),
        (lambda r: _machine(r) + "\n" + _machine(r), "lebih dari satu"),
        (lambda r: _machine(r, code=None), "code"),
        (lambda r: _machine(r, filed_at=None), "filed_at"),
        (lambda r: _machine(r, content_sha256=None), "content_sha256"),
        (lambda r: _machine(r, key_id=None), "key_id"),
        (lambda r: _machine(r, signature=None), "signature"),
        (lambda r: _machine(r, signature=""), "signature"),
        (lambda r: _machine(r) + "code:ZI-7K3F-9QPM\n", "lebih dari sekali"),
        (lambda r: _machine(r, signature="bukan*base64!"), "base64"),
        (lambda r: _machine(r, signature=r.signature[:-4]), "base64"),  # too short
        (lambda r: _machine(r, signature=r.signature.rstrip("=")), "base64"),  # bad padding
        (lambda r: _machine(r, filed_at="2025-02-30T02:03:04Z"), "filed_at"),
        (lambda r: _machine(r, filed_at="2025-03-14 02:03:04"), "filed_at"),
        (lambda r: _machine(r, filed_at="2025-03-14T09:03:04+07:00"), "filed_at"),
        (lambda r: _machine(r, code="ZI-7K3F-9QP"), "ZI-XXXX-XXXX"),
        (lambda r: _machine(r, code="zi-7k3f-9qpm"), "ZI-XXXX-XXXX"),
        (lambda r: _machine(r, code="ZI-0O1I-9QPM"), "ZI-XXXX-XXXX"),
        (lambda r: _machine(r, content_sha256="A" * 64), "content_sha256"),
        (lambda r: _machine(r, content_sha256="a" * 63), "content_sha256"),
        (lambda r: _machine(r, key_id="xyz"), "key_id"),
        (lambda r: _machine(r) + "x" * MAX_RECEIPT_TEXT_BYTES, "terlalu panjang"),
    ],
    ids=[
        "no-header",
        "unknown-version",
        "two-receipts",
        "missing-code",
        "missing-filed-at",
        "missing-digest",
        "missing-key-id",
        "missing-signature",
        "empty-signature",
        "duplicate-line",
        "signature-not-base64",
        "signature-wrong-length",
        "signature-bad-padding",
        "impossible-date",
        "date-without-t-and-z",
        "date-not-utc",
        "code-too-short",
        "code-lower-case",
        "code-look-alike-characters",
        "digest-upper-case",
        "digest-too-short",
        "key-id-not-hex",
        "too-long",
    ],
)
def test_parse_rejects_malformed_receipts(receipt, build, message):
    with pytest.raises(InvalidReceipt, match=message):
        Receipt.parse(build(receipt))


# --- Content digest ------------------------------------------------------------------------------


def test_content_digest_does_not_depend_on_key_or_attachment_order():
    shuffled = dict(reversed(list(FIELDS.items())))
    shuffled["attachments"] = list(reversed(FIELDS["attachments"]))
    assert content_digest(shuffled) == DIGEST


def test_content_digest_is_sha256_of_canonical_json():
    canonical = (
        '{"attachments":["' + "a" * 64 + '","' + "b" * 64 + '"],'
        '"body":"Petugas meminta Rp50.000 agar KTP selesai hari itu.","category":"pungli",'
        '"channel":"web","incident_date":"2025-03-10","incident_place":"Loket 3",'
        '"privacy":"anonim","reported_party":null,"title":"Pungutan liar di loket KTP",'
        '"unit":"direktorat-pendaftaran-penduduk"}'
    )
    assert content_digest(FIELDS) == hashlib.sha256(canonical.encode()).hexdigest()
    assert (
        content_digest({**FIELDS, "title": "Pungutan liar – loket"})
        == hashlib.sha256(
            canonical.replace("Pungutan liar di loket KTP", "Pungutan liar – loket").encode("utf-8")
        ).hexdigest()
    )  # UTF-8, not \u escapes


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Pungutan liar di loket KTP."),
        ("body", "Petugas meminta Rp50.000 agar KTP selesai hari itu"),
        ("category", "suap"),
        ("unit", None),
        ("incident_date", date(2025, 3, 11)),
        ("incident_place", "Loket 4"),
        ("reported_party", "Petugas loket"),
        ("privacy", Privacy.RAHASIA),
        ("channel", Channel.EMAIL),
        ("attachments", ["a" * 64]),
    ],
)
def test_content_digest_changes_with_any_content(field, value):
    assert content_digest({**FIELDS, field: value}) != DIGEST


@pytest.mark.parametrize(
    "fields",
    [
        {**FIELDS, "reporter_name": "Budi"},
        {k: v for k, v in FIELDS.items() if k != "body"},
        {**FIELDS, "attachments": ["bukan-sha256"]},
    ],
    ids=["identity-field", "missing-field", "bad-attachment-digest"],
)
def test_content_digest_refuses_anything_but_the_submitted_content(fields):
    with pytest.raises(ValueError):
        content_digest(fields)


# --- Keys ---------------------------------------------------------------------------------------


def test_development_key_file_is_generated_private_and_reused(tmp_path):
    path = tmp_path / "baru" / "kunci" / "receipt.pem"
    config = {
        "RECEIPT_SIGNING_KEY": None,
        "RECEIPT_KEY_FILE": str(path),
        "ZI_PROFILE": "development",
    }
    first = ReceiptSigner.from_config(config)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = path.read_bytes()
    assert ReceiptSigner.from_config(config) is first  # one load per process
    ReceiptSigner.clear_cache()
    again = ReceiptSigner.from_config(config)
    assert again is not first and again.key_id == first.key_id
    assert path.read_bytes() == saved
    assert [p.name for p in path.parent.iterdir()] == ["receipt.pem"]  # no temporary left


def test_testing_profile_also_generates_a_missing_key(tmp_path):
    path = tmp_path / "receipt.pem"
    ReceiptSigner.from_config({"RECEIPT_KEY_FILE": str(path), "ZI_PROFILE": "testing"})
    assert path.exists()


def test_production_without_a_key_file_refuses_to_start(tmp_path):
    path = tmp_path / "missing.pem"
    with pytest.raises(RuntimeError, match="does not exist"):
        ReceiptSigner.from_config({"RECEIPT_KEY_FILE": str(path), "ZI_PROFILE": "production"})
    assert not path.exists()


def test_production_reads_an_existing_key_file(tmp_path):
    path = tmp_path / "receipt.pem"
    pem = new_private_key_pem()
    path.write_text(pem)
    path.chmod(0o600)
    signer = ReceiptSigner.from_config({"RECEIPT_KEY_FILE": str(path), "ZI_PROFILE": "production"})
    assert signer.key_id == ReceiptSigner.from_pem(pem).key_id


def test_pem_from_receipt_signing_key_wins_over_the_file(tmp_path):
    pem = new_private_key_pem()
    path = tmp_path / "unused.pem"
    signer = ReceiptSigner.from_config(
        {"RECEIPT_SIGNING_KEY": pem, "RECEIPT_KEY_FILE": str(path), "ZI_PROFILE": "production"}
    )
    assert signer.key_id == ReceiptSigner.from_pem(pem).key_id
    assert not path.exists()


def test_pem_squeezed_onto_one_env_line_is_accepted():
    pem = new_private_key_pem()
    one_line = pem.strip().replace("\n", "\\n")
    assert ReceiptSigner.from_pem(one_line).key_id == ReceiptSigner.from_pem(pem).key_id


@pytest.mark.parametrize(
    "pem", ["bukan kunci", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"]
)
def test_unreadable_signing_key_is_a_clear_error(pem):
    with pytest.raises(RuntimeError, match="receipt signing key"):
        ReceiptSigner.from_pem(pem)


def test_signing_key_must_be_ed25519():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(RuntimeError, match="Ed25519"):
        ReceiptSigner.from_pem(pem)


def test_key_id_is_the_start_of_the_sha256_of_the_raw_public_key(signer):
    from cryptography.hazmat.primitives import serialization

    raw = load_public_key(signer.public_pem()).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert signer.key_id == hashlib.sha256(raw).hexdigest()[:16]


# --- The check against the portal's records -------------------------------------------------


def test_valid_receipt_matches_the_stored_digest(session, signer, receipt):
    add_complaint(session)
    check = check_receipt(session, receipt, signer)
    assert check.valid and check.record_found and check.record_matches


def test_valid_receipt_whose_record_changed_does_not_match(session, signer, receipt):
    add_complaint(session, content_sha256="f" * 64)
    check = check_receipt(session, receipt, signer)
    assert check.valid and check.record_found and check.record_matches is False


def test_valid_receipt_without_a_record_says_not_found(session, signer, receipt):
    add_complaint(session, code="ZI-2345-6789")
    check = check_receipt(session, receipt, signer)
    assert check.valid and check.record_found is False and check.record_matches is None


def test_record_without_a_digest_cannot_be_compared(session, signer, receipt):
    add_complaint(session, content_sha256=None)
    check = check_receipt(session, receipt, signer)
    assert check.valid and check.record_found and check.record_matches is None


def test_reissuing_for_the_same_record_gives_the_same_receipt(signer, receipt):
    # Ed25519 is deterministic, and the time is kept to the second.
    again = issue_receipt(
        signer, code=CODE, filed_at=FILED_AT + timedelta(microseconds=5), content_sha256=DIGEST
    )
    assert again == receipt
