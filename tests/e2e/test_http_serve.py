"""`policyvault serve` as a real server on loopback: health, the policy, the notice, OpenAPI."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "policies" / "megazone-cloudplex.yaml"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    exe = shutil.which("policyvault", path=str(Path(sys.executable).parent))
    assert exe
    port = _free_port()
    process = subprocess.Popen(
        [exe, "serve", "--policy", str(POLICY), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Poll until the server answers (start-up, not a deadline): at most ~30 s.
        for _ in range(300):
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("policyvault serve did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_health_names_the_policy(server: str) -> None:
    body = httpx.get(f"{server}/v1/health").json()
    assert body == {"status": "ok", "policy": "megazone-cloudplex", "policy_version": "2023-08-30"}


def test_the_policy_is_served_as_json(server: str) -> None:
    body = httpx.get(f"{server}/v1/policy").json()
    assert body["schema"] == "policyvault/v1"
    assert body["destruction"]["grace_period_days"] == 5
    periods = {r["record_type"]: r["period"] for r in body["statutory_retention"]}
    assert periods["labeling_and_advertising"] == "P6M"


def test_the_notice_is_rendered_in_korean(server: str) -> None:
    response = httpx.get(f"{server}/v1/policy/notice", params={"lang": "ko"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'lang="ko"' in response.text
    assert "표시·광고에 관한 기록" in response.text


def test_bad_parameters_get_a_clear_422(server: str) -> None:
    response = httpx.get(f"{server}/v1/policy/notice", params={"lang": "fr"})
    assert response.status_code == 422


def test_openapi_document_lists_the_v1_routes(server: str) -> None:
    paths = httpx.get(f"{server}/openapi.json").json()["paths"]
    assert {"/v1/health", "/v1/policy", "/v1/policy/notice"} <= set(paths)
