"""Drives a running Madoguchi through a Python client generated from its own
OpenAPI document (by openapi-python-client), as a client developer would:
a worker registers, logs in, lodges a case, writes a message with a piece of
evidence, reads the case and the evidence back; an admin downloads the case
export as XLSX. Any status the client was not told about, or a body it cannot
parse, fails the run.

Usage: python3 client_smoke.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD
(the generated package `madoguchi_client` must be importable).
"""

import io
import sys
import uuid
import zipfile

from madoguchi_client import AuthenticatedClient, Client
from madoguchi_client.api.auth import auth_login, auth_register, me_get
from madoguchi_client.api.cases import cases_create, cases_get
from madoguchi_client.api.messages import evidence_download, evidence_upload, messages_create, messages_list
from madoguchi_client.api.reports import reports_cases_export
from madoguchi_client.models import (
    CaseResponse,
    Category,
    EvidenceDto,
    Format,
    LodgeCaseRequest,
    LodgedResponse,
    LoginRequest,
    MessageDto,
    MessagePage,
    MessageRequest,
    MeResponse,
    Problem,
    RegisterRequest,
    TokenResponse,
    RegisteredResponse,
    Visibility,
)
from madoguchi_client.types import File

# A one-page PDF: evidence is recognised by its content, not its name.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def expect(value, kind, what):
    """The parsed answer must be the documented success type, not a Problem or None."""
    if isinstance(value, Problem):
        sys.exit(f"{what}: {value.status} {value.code}: {value.detail}")
    if not isinstance(value, kind):
        sys.exit(f"{what}: expected {kind.__name__}, got {value!r}")
    return value


def log_in(base_url, **login):
    tokens = expect(auth_login.sync(client=Client(base_url=base_url), body=LoginRequest(**login)), TokenResponse, "login")
    return AuthenticatedClient(base_url=base_url, token=tokens.access_token, raise_on_unexpected_status=True)


def main(base_url, admin_email, admin_password):
    public = Client(base_url=base_url, raise_on_unexpected_status=True)
    username = f"smoke-{uuid.uuid4().hex[:8]}"
    password = "a long enough password"
    registered = expect(
        auth_register.sync(client=public, body=RegisterRequest(username=username, password=password, preferred_language="vi")),
        RegisteredResponse,
        "register",
    )
    worker = log_in(base_url, username=username, password=password)
    me = expect(me_get.sync(client=worker), MeResponse, "me")
    assert me.id == registered.id, (me, registered)

    grievance = LodgeCaseRequest(
        categories=[Category.UNPAID_WAGES],
        narrative="Công ty chưa trả lương tháng 10.",
        narrative_language="vi",
        employer_name="Tokai Fresh Foods K.K.",
        prefecture="JP-23",
    )
    lodged = expect(
        cases_create.sync(client=worker, body=grievance, idempotency_key=str(uuid.uuid4())), LodgedResponse, "lodge"
    )
    message = expect(
        messages_create.sync(
            id=lodged.case_id,
            client=worker,
            body=MessageRequest(body="My payslip", visibility=Visibility.PARTIES, language="en"),
        ),
        MessageDto,
        "post a message",
    )
    evidence = expect(
        evidence_upload.sync(
            id=lodged.case_id,
            message_id=message.id,
            client=worker,
            body=File(payload=io.BytesIO(PDF), file_name="payslip.pdf", mime_type="application/octet-stream"),
            file_name="payslip.pdf",
        ),
        EvidenceDto,
        "upload evidence",
    )
    assert evidence.content_type == "application/pdf" and evidence.size_bytes == len(PDF), evidence

    case = expect(cases_get.sync(id=lodged.case_id, client=worker), CaseResponse, "read the case")
    assert case.reference == lodged.reference and case.state.value == "submitted", case
    kinds = [event.kind.value for event in case.timeline]
    assert "lodged" in kinds and "evidence_attached" in kinds, kinds
    page = expect(messages_list.sync(id=lodged.case_id, client=worker), MessagePage, "list messages")
    assert [e.id for m in page.items for e in m.evidence] == [evidence.id], page
    downloaded = evidence_download.sync_detailed(id=lodged.case_id, evidence_id=evidence.id, client=worker)
    assert downloaded.status_code == 200 and downloaded.content == PDF, downloaded.status_code
    assert downloaded.headers["content-type"] == "application/pdf", downloaded.headers

    admin = log_in(base_url, email=admin_email, password=admin_password)
    export = reports_cases_export.sync_detailed(client=admin, format_=Format.XLSX)
    assert export.status_code == 200, (export.status_code, export.content[:200])
    assert export.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with zipfile.ZipFile(io.BytesIO(export.content)) as workbook:
        assert "xl/workbook.xml" in workbook.namelist(), workbook.namelist()
    print(f"generated Python client: registered {username}, lodged {lodged.reference}, "
          f"uploaded and read back {evidence.size_bytes} bytes, exported {len(export.content)} bytes of XLSX")


if __name__ == "__main__":
    main(*sys.argv[1:4])
