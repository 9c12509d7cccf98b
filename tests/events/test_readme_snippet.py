"""The README's receiver snippet (SPEC section 16, issue 18 item 7) checks our signatures: both secrets of a
rotation pass, a tampered body or another secret fail."""

from __future__ import annotations

import time
from pathlib import Path

from events.signing import signature_header

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_verify():
    code = README.read_text().split("```python\nimport hashlib, hmac, time\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec("import hashlib, hmac, time\n" + code, namespace)  # noqa: S102 (our own README)
    return namespace["verify"]


def test_issue18_item7_the_readme_snippet_verifies_a_delivery_and_refuses_a_tampered_body():
    verify = readme_verify()
    body = b'{"company_number":"10001","data":{"n":1},"id":1,"type":"notice.created"}'
    header = signature_header(secrets_in_force=["whsec_new", "whsec_old"], timestamp=int(time.time()), body=body)
    assert verify(body, header, "whsec_new") and verify(body, header, "whsec_old")
    assert not verify(body.replace(b'"n":1', b'"n":2'), header, "whsec_new")
    assert not verify(body, header, "whsec_someone-else")
    stale = signature_header(secrets_in_force=["whsec_new"], timestamp=int(time.time()) - 3600, body=body)
    assert not verify(body, stale, "whsec_new")
