"""The access and portability package: package.json follows its schema, every item given is
there once and nothing else, portability keeps only what the subject provided on consent or
contract, CSV cells cannot run as formulas, the page escapes what it shows, and items and
records are streamed."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from policyvault.services.requests.package import (
    SCHEMA_ID,
    ZIP_MEMBERS,
    AccessPackage,
    PackageConsent,
    PackageItem,
    PackageMeta,
    PackagePurpose,
    PackageRecipient,
    PackageRecord,
    PackageRequest,
    is_portable,
    package_json,
    package_schema,
    write_json,
    write_zip,
)

KST = timezone(timedelta(hours=9))
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=KST)

# jsonschema checks "date-time" only when rfc3339-validator is installed, which it is not
# here: without our own check the format would pass silently.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_RFC3339.fullmatch(value)) and datetime.fromisoformat(value).tzinfo is not None


VALIDATOR = Draft202012Validator(package_schema(), format_checker=FORMATS)

MEMBERSHIP = PackagePurpose(
    "account.management", "Membership", ("contract",), None, "until account closure + 5 days"
)
MARKETING = PackagePurpose(
    "marketing.email", "Newsletters", ("consent",), NOW + timedelta(days=365), "for one year"
)
FRAUD = PackagePurpose(
    "security.fraud", "Fraud prevention", ("legitimate_interests",), None, "for 30 days"
)
MAILER = PackageRecipient(
    "mailer", "Mailer Co", "processor", ("US",), "sending newsletters", NOW - timedelta(days=3)
)
PARTNER = PackageRecipient("partner", "Partner 주식회사", "third_party", (), "joint offers", None)


def item(key: str, value: Any = "value", **changes: Any) -> PackageItem:
    base = PackageItem(
        key=key,
        label=f"label of {key}",
        value=value,
        exportable=True,
        media_type=None,
        collection_point="signup",
        source="provided by the subject",
        provided_by_subject=True,
        collected_at=NOW - timedelta(days=100),
        updated_at=NOW - timedelta(days=10),
        location="live",
        purposes=(MEMBERSHIP,),
        recipients=(),
        retention_until=None,
    )
    return replace(base, **changes)


def record(n: int) -> PackageRecord:
    return PackageRecord(
        id=f"rec-{n:05d}",
        record_type="payment",
        label="Payment record",
        value={"order": f"ORD-{n}", "amount": n * 100},
        occurred_at=NOW - timedelta(days=n % 400),
        location="separate_store",
        kept_under="Act on Consumer Protection in Electronic Commerce, Art 6",
        retention_until=NOW + timedelta(days=5 * 365),
    )


def meta(kind: str = "access", language: str = "en") -> PackageMeta:
    return PackageMeta(
        controller="Hanbit Trading Co",
        subject_id="sub-1",
        request_id="req-1",
        kind=kind,
        generated_at=NOW,
        policy_id="hanbit",
        policy_version="2026-01-01",
        jurisdictions=("kr-pipa", "eu-gdpr"),
        language=language,
        rights=("access", "correction", "deletion", "restriction", "objection"),
        remedy=(
            {"name": "Personal Information Dispute Mediation Committee", "phone": "1833-6972"},
            {"name": "Data Protection Commission", "url": "https://example.invalid/dpc"},
        ),
        automated_decisions=None,
    )


CONSENTS = (
    PackageConsent(
        NOW - timedelta(days=100),
        "given",
        "collection_use",
        ("account.management",),
        "v3",
        "web",
        "subject",
    ),
    PackageConsent(
        NOW - timedelta(days=5),
        "withdrawn",
        "marketing",
        ("marketing.email",),
        None,
        None,
        "subject",
    ),
)
REQUESTS = (
    PackageRequest(
        "req-1", "access", "web", NOW - timedelta(days=1), "open", NOW + timedelta(days=9), None
    ),
)


def full_items() -> list[PackageItem]:
    return [
        item(
            "email",
            "user@example.com",
            category="user.contact.email",
            purposes=(MEMBERSHIP, MARKETING),
            recipients=(MAILER,),
        ),
        item("name", "박서연", label="이름"),
        item("password", None, exportable=False, note=None),
        item("preferences", {"topics": ["news", {"nested": [1, 2.5, None, True]}], "emoji": "🙂"}),
        item(
            "device_id",
            "d-77",
            source="generated by the service",
            provided_by_subject=False,
            purposes=(FRAUD,),
            recipients=(PARTNER,),
        ),
        item(
            "photo",
            "iVBORw0KGgo=",
            media_type="image/png",
            location="separate_store",
            retention_until=NOW + timedelta(days=30),
        ),
        item("ad_profile", "segment-9", purposes=(FRAUD,)),
    ]


def package(
    kind: str = "access", items: Any = None, records: Any = None, **kw: Any
) -> AccessPackage:
    return AccessPackage(
        meta=meta(kind, **kw),
        items=full_items() if items is None else items,
        records=[record(1), record(2)] if records is None else records,
        consents=CONSENTS,
        requests=REQUESTS,
    )


def unzip(pkg: AccessPackage) -> dict[str, str]:
    buffer = io.BytesIO()
    write_zip(pkg, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {n: archive.read(n).decode("utf-8-sig") for n in archive.namelist()}


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def streamed_json(pkg: AccessPackage) -> dict[str, Any]:
    out = io.StringIO()
    write_json(pkg, out)
    loaded: dict[str, Any] = json.loads(out.getvalue())
    return loaded


# --- the schema ------------------------------------------------------------------------------


def test_the_schema_is_valid_draft_2020_12_and_strict_everywhere() -> None:
    schema = package_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == SCHEMA_ID
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def walk(node: dict[str, Any], where: str) -> None:
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False, where
            assert set(node["required"]) <= set(node["properties"]), where
        for name, prop in node.get("properties", {}).items():
            assert prop.get("title") and prop.get("description"), f"{where}.{name}"
            walk(prop, f"{where}.{name}")

    walk(schema, "#")
    for name, definition in schema["$defs"].items():
        assert definition.get("title") and definition.get("description"), name
        walk(definition, f"#/$defs/{name}")


def test_a_full_access_package_validates_and_the_stream_is_the_same_document() -> None:
    doc = package_json(package())
    VALIDATOR.validate(doc)
    assert streamed_json(package()) == doc
    assert doc["$schema"] == SCHEMA_ID
    assert doc["totals"] == {"items": 7, "records": 2}
    assert doc["scope"]["records_included"] and doc["scope"]["lawful_bases"] is None
    email = doc["items"][0]
    assert email["purposes"][1]["retention_until"] == "2027-03-02T00:30:00+00:00"  # UTC
    assert email["recipients"][0]["disclosed_at"] == "2026-02-27T00:30:00+00:00"
    assert doc["meta"]["generated_at"] == "2026-03-02T00:30:00+00:00"


def test_a_bad_date_time_is_caught_by_the_test_format_check() -> None:
    doc = package_json(package())
    doc["meta"]["generated_at"] = "2026-03-02 09:30"
    assert not VALIDATOR.is_valid(doc)


def test_a_hash_never_leaves_whatever_the_gatherer_passed() -> None:
    leaked = item("password", "$argon2id$v=19$secret", exportable=False)
    [doc] = package_json(package(items=[leaked]))["items"]
    assert doc["value"] is None and doc["note"]
    files = unzip(package(items=[leaked]))
    assert all("argon2id" not in text for text in files.values())


def test_inputs_are_checked_before_anything_is_written() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        item("x", collected_at=datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="location"):
        item("x", location="attic")
    with pytest.raises(ValueError, match="kind"):
        meta("erasure")
    with pytest.raises(ValueError, match="remedy"):
        replace(meta(), remedy=({"name": "X", "email": "x@example.com"},))


# --- every item once, nothing else -----------------------------------------------------------


def test_every_item_appears_once_in_json_csv_and_html_and_nothing_else() -> None:
    given_items = full_items()
    files = unzip(package(items=given_items))
    keys = [i.key for i in given_items]

    assert [i["key"] for i in json.loads(files["package.json"])["items"]] == keys
    assert [row["key"] for row in csv_rows(files["items.csv"])] == keys
    html = files["index.html"]
    assert html.count('<article class="item">') == len(keys)
    for i in given_items:
        assert html.count(f"<code>{i.key}</code>") == 1
        assert html.count(f"{i.label} <code>") == 1
    assert [row["id"] for row in csv_rows(files["records.csv"])] == ["rec-00001", "rec-00002"]
    assert html.count('<tr class="record">') == 2


def test_portability_keeps_only_provided_consent_or_contract_items_and_no_records() -> None:
    consumed: list[int] = []

    def records() -> Iterator[PackageRecord]:
        consumed.append(1)
        yield record(1)

    pkg = package("portability", records=records())
    doc = package_json(pkg)
    VALIDATOR.validate(doc)
    # email (contract + consent), name, preferences, photo: provided and on contract or
    # consent. Not device_id (generated), password (a hash), ad_profile (legitimate interests).
    expected = ["email", "name", "preferences", "photo"]
    assert [i["key"] for i in doc["items"]] == expected
    assert [i.key for i in full_items() if is_portable(i)] == expected
    assert doc["records"] == [] and consumed == []
    assert doc["scope"] == {
        "kind": "portability",
        "statement": doc["scope"]["statement"],
        "provided_by_subject_only": True,
        "lawful_bases": ["consent", "contract"],
        "records_included": False,
        "non_exportable_included": False,
    }
    assert "Art 20" in doc["scope"]["statement"]

    files = unzip(package("portability", records=records()))
    assert [row["key"] for row in csv_rows(files["items.csv"])] == expected
    assert csv_rows(files["records.csv"]) == []
    assert files["index.html"].count('<article class="item">') == len(expected)
    assert '<tr class="record">' not in files["index.html"]
    assert consumed == []


# --- CSV and HTML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "evil", ['=HYPERLINK("http://x.invalid")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
)
def test_csv_cells_cannot_start_a_formula(evil: str) -> None:
    files = unzip(package(items=[item("k", evil, label=evil)], records=[]))
    [row] = csv_rows(files["items.csv"])
    assert row["value"] == "'" + evil and row["label"] == "'" + evil


def test_csv_keeps_numbers_and_encodes_nested_values_as_json() -> None:
    nested = {"a": [1, {"b": "가"}]}
    given_items = [
        item("n", -5),
        item("f", 2.5),
        item("b", False),
        item("d", nested),
        item("none", None),
    ]
    rows = csv_rows(unzip(package(items=given_items))["items.csv"])
    assert [r["value"] for r in rows] == [
        "-5",
        "2.5",
        "false",
        json.dumps(nested, ensure_ascii=False),
        "",
    ]
    email = csv_rows(unzip(package())["items.csv"])[0]
    assert "Newsletters (marketing.email): consent" in email["purposes"]
    assert "Mailer Co (processor, US)" in email["recipients"]


def test_the_page_escapes_what_it_shows() -> None:
    evil = "<script>alert(1)</script>"
    html = unzip(package(items=[item("k", evil, label=evil)]))["index.html"]
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_shows_history_rights_remedies_and_speaks_korean() -> None:
    html = unzip(package())["index.html"]
    assert '<html lang="en">' in html and "Consent history" in html
    assert "Personal Information Dispute Mediation Committee" in html and "1833-6972" in html
    assert "No solely automated decisions" in html and "restriction" in html
    assert "Mailer Co" in html and "2026-02-27T00:30:00+00:00" in html
    ko = unzip(package(language="ko"))["index.html"]
    assert '<html lang="ko">' in ko and "동의 내역" in ko and "권리 행사 내역" in ko
    assert "개인정보 열람 결과" in ko


# --- the ZIP and streaming ---------------------------------------------------------------------


def test_the_zip_has_exactly_the_named_members() -> None:
    files = unzip(package())
    assert tuple(files) == ZIP_MEMBERS
    assert json.loads(files["schema.json"]) == package_schema()
    VALIDATOR.validate(json.loads(files["package.json"]))
    assert [r["id"] for r in csv_rows(files["requests.csv"])] == ["req-1"]
    assert [r["action"] for r in csv_rows(files["consents.csv"])] == ["given", "withdrawn"]


def test_the_same_input_gives_the_same_archive() -> None:
    first, second = io.BytesIO(), io.BytesIO()
    write_zip(package(), first)
    write_zip(package(), second)
    assert first.getvalue() == second.getvalue()


def test_a_generator_of_1000_records_is_read_once() -> None:
    pulled: list[str] = []

    def records() -> Iterator[PackageRecord]:
        for n in range(1000):
            r = record(n)
            pulled.append(r.id)
            yield r

    files = unzip(package(records=records(), items=iter(full_items())))
    assert len(pulled) == 1000  # each record pulled once, for all three members
    assert len(csv_rows(files["records.csv"])) == 1000
    doc = json.loads(files["package.json"])
    assert len(doc["records"]) == 1000 and doc["totals"]["records"] == 1000
    assert files["index.html"].count('<tr class="record">') == 1000
    assert len(csv_rows(files["items.csv"])) == len(full_items())

    pulled.clear()
    out = io.StringIO()
    totals = write_json(package(records=records()), out)
    assert len(pulled) == 1000 and totals.records == 1000
    assert len(json.loads(out.getvalue())["records"]) == 1000


def test_a_re_iterable_source_is_read_afresh_for_each_member() -> None:
    class Query:
        passes = 0

        def __iter__(self) -> Iterator[PackageRecord]:
            Query.passes += 1
            return (record(n) for n in range(3))

    files = unzip(package(records=Query()))
    assert Query.passes == 3  # package.json, records.csv, index.html
    assert len(csv_rows(files["records.csv"])) == 3


# --- any package validates -------------------------------------------------------------------

texts = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from("가나다라마바사한글개인정보"),
    max_size=12,
)
times = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, KST, timezone(timedelta(hours=-7))]),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
purposes = st.builds(
    PackagePurpose,
    texts,
    texts,
    st.lists(
        st.sampled_from(["consent", "contract", "legal_obligation", "legitimate_interests"]),
        max_size=2,
    ).map(tuple),
    st.none() | times,
    texts,
)
recipients = st.builds(
    PackageRecipient,
    texts,
    texts,
    st.sampled_from(["processor", "third_party"]),
    st.lists(texts, max_size=2).map(tuple),
    texts,
    st.none() | times,
)
items_st = st.builds(
    PackageItem,
    key=texts,
    label=texts,
    value=json_values,
    exportable=st.booleans(),
    media_type=st.none() | texts,
    collection_point=texts,
    source=texts,
    provided_by_subject=st.booleans(),
    collected_at=times,
    updated_at=times,
    location=st.sampled_from(["live", "separate_store"]),
    purposes=st.lists(purposes, max_size=2).map(tuple),
    recipients=st.lists(recipients, max_size=2).map(tuple),
    retention_until=st.none() | times,
    category=st.none() | texts,
    note=st.none() | texts,
)
records_st = st.builds(
    PackageRecord,
    texts,
    texts,
    texts,
    json_values,
    times,
    st.sampled_from(["live", "separate_store"]),
    texts,
    st.none() | times,
)
consents_st = st.builds(
    PackageConsent,
    times,
    texts,
    texts,
    st.lists(texts, max_size=2).map(tuple),
    st.none() | texts,
    st.none() | texts,
    texts,
)
requests_st = st.builds(PackageRequest, texts, texts, texts, times, texts, times, st.none() | times)
metas = st.builds(
    PackageMeta,
    texts,
    texts,
    texts,
    st.sampled_from(["access", "portability"]),
    times,
    texts,
    texts,
    st.lists(texts, max_size=2).map(tuple),
    st.sampled_from(["en", "ko", "ko-KR", ""]),
    st.lists(texts, max_size=3).map(tuple),
    st.lists(
        st.fixed_dictionaries({"name": texts.filter(bool)}, optional={"url": texts}), max_size=2
    ).map(tuple),
    st.none() | texts,
)


@settings(max_examples=60, deadline=None)
@given(
    meta_=metas,
    given_items=st.lists(items_st, max_size=4),
    given_records=st.lists(records_st, max_size=3),
    consents=st.lists(consents_st, max_size=2).map(tuple),
    requests=st.lists(requests_st, max_size=2).map(tuple),
)
def test_any_package_validates_and_keeps_every_item_once(
    meta_: PackageMeta,
    given_items: list[PackageItem],
    given_records: list[PackageRecord],
    consents: tuple[PackageConsent, ...],
    requests: tuple[PackageRequest, ...],
) -> None:
    pkg = AccessPackage(meta_, given_items, given_records, consents, requests)
    doc = package_json(pkg)
    VALIDATOR.validate(doc)
    assert streamed_json(pkg) == doc

    expected = [i for i in given_items if meta_.kind == "access" or is_portable(i)]
    assert [i["key"] for i in doc["items"]] == [i.key for i in expected]
    assert len(doc["records"]) == (len(given_records) if meta_.kind == "access" else 0)

    one_shot = AccessPackage(meta_, iter(given_items), iter(given_records), consents, requests)
    files = unzip(one_shot)
    assert tuple(files) == ZIP_MEMBERS
    assert json.loads(files["package.json"]) == doc
    assert len(csv_rows(files["items.csv"])) == len(expected)
    assert files["index.html"].count('<article class="item">') == len(expected)
