"""Schemathesis over the vault's own OpenAPI document: a real `policyvault serve` on loopback
(a sandbox vault from the Megazone policy, an admin API key), every operation fuzzed from the
schema (valid and invalid inputs, 25 examples each), bounded. No request may get a server error,
and every response whose status the document declares must match the schema it declares.

Not checked: that every status is declared. The error statuses (401, 403, 404, 409, 413) are
not in the document, and its 422 is FastAPI's shape, not the uniform ``{code, message,
details}`` (which passes only because FastAPI's shape requires no field)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.e2e.runner import Server

INQUIRY = {
    "point": "product_inquiry",
    "values": {
        "company_name": "Fuzz Trading Example",
        "contact_person": "Kim Minji",
        "email": "kim.minji@example.com",
        "phone": "+82 2 555 0148",
    },
    "consents": [{"category": "collection_use", "purposes": ["product.inquiry"]}],
    "evidence": {"channel": "web", "notice_hash": "sha256:test"},
}


@pytest.fixture(scope="module")
def vault_api(server: Server) -> Any:
    return schemathesis.openapi.from_url(f"{server.base}/openapi.json", timeout=30)


@dataclass(frozen=True)
class Known:
    """A subject the vault holds (and a grant to read it), so that fuzzed calls on
    /v1/subjects/{subject_id}/... reach the vault, not only its 404."""

    subject_id: str
    item_keys: tuple[str, ...]


@pytest.fixture(scope="module")
def known(server: Server) -> Known:
    with server.client("admin") as admin, server.client("privacy_officer") as officer:
        created = admin.post("/v1/subjects", json=INQUIRY)
        assert created.status_code == 201, created.text
        # No account grants itself access: the officer grants the admin the fuzzer acts as.
        granted = officer.post(
            "/v1/grants", json={"actor_id": "admin-1", "purpose": "product.inquiry"}
        )
        assert granted.status_code == 201, granted.text
        items = admin.get("/v1/policy").json()["items"]
    return Known(created.json()["subject_id"], tuple(sorted(items)))


def _cases(operation: Any, mode: GenerationMode, known: Known) -> st.SearchStrategy[Any]:
    """Generated cases; in positive mode the path names the known subject (and, for item
    corrections, one of the policy's items), so the body reaches the vault's own checks."""
    if mode is GenerationMode.NEGATIVE or "{subject_id}" not in operation.path:
        return operation.as_strategy(mode)
    if "{item_key}" in operation.path:
        return st.sampled_from(known.item_keys).flatmap(
            lambda key: operation.as_strategy(
                mode, path_parameters={"subject_id": known.subject_id, "item_key": key}
            )
        )
    return operation.as_strategy(mode, path_parameters={"subject_id": known.subject_id})


# schemathesis.pytest.from_fixture (the usual way to fuzz a server a fixture starts) fails on
# pytest 9.2 (it sets Node._nodeid, which pytest no longer has), so each operation gets its
# own bounded Hypothesis run over operation.as_strategy() here instead.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_gives_a_server_error(
    vault_api: Any, server: Server, known: Known, mode: GenerationMode
) -> None:
    headers = {"Authorization": f"Bearer {server.keys['admin']}"}
    failures: dict[str, BaseException] = {}
    unsatisfiable: list[str] = []
    operations = [result.ok() for result in vault_api.get_all_operations()]
    assert len(operations) >= 10, [op.label for op in operations]
    for operation in operations:

        @settings(
            max_examples=25,
            deadline=None,
            database=None,  # each operation's run stands alone; nothing replays across runs
            # a real server answers every example: slow generation is expected, not a smell
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        @given(case=_cases(operation, mode, known))
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance],
                timeout=30,
            )

        try:
            fuzz()
        except Unsatisfiable:
            # negative mode: nothing in this operation can be made invalid (no parameters,
            # or only free-form strings), so there is no case to send
            assert mode is GenerationMode.NEGATIVE, operation.label
            unsatisfiable.append(operation.label)
        except (Exception, FailureGroup) as failure:  # a FailureGroup is no Exception
            failures[operation.label] = failure
    assert len(unsatisfiable) < len(operations) / 2, unsatisfiable
    assert not failures, "\n\n".join(
        [f"{label}: {failure}" for label, failure in failures.items()]
        + ["--- server log (tail) ---\n" + server.log_tail()]
    )
