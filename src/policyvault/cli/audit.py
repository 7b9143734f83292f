"""``policyvault audit ...``: verify, prove, check-proof, log, checkpoint, prune and keys.

Thin: parse, open the store, call the AuditLog service, print. Exit codes: 0 intact / ok,
1 broken (or a proof that fails), 2 bad input, with a one-line reason on stderr.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from policyvault.bootstrap import production_clock
from policyvault.cli.exit_codes import exit_code_for
from policyvault.crypto.signing import CheckpointSigner, CheckpointVerifier
from policyvault.domain.audit import (
    Actor,
    AuditEntry,
    AuditQuery,
    SignedCheckpoint,
    VerifyReport,
    access_log_floor,
    read_proof,
)
from policyvault.domain.audit.entry import entry_document
from policyvault.domain.errors import InvalidInput, PolicyVaultError
from policyvault.services.audit import AuditLog, check_proof
from policyvault.storage.audit_sql import SqlAuditStore, open_audit_store

app = typer.Typer(
    help="The tamper-evident audit log: verify it, prove entries, list and prune it.",
    no_args_is_help=True,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DEFAULT_DATABASE = "sqlite:///var/policyvault.db"
DEFAULT_SIGNING_KEY = Path("var/audit-signing-key.pem")
PROGRESS_FROM = 10_000  # entries: smaller logs verify before a bar would show


Database = Annotated[
    str,
    typer.Option(
        "--database",
        "-d",
        envvar="POLICYVAULT_DATABASE_URL",
        help="Database URL: sqlite:///path or postgresql://...",
    ),
]
SigningKey = Annotated[
    Path,
    typer.Option(
        "--signing-key",
        envvar="POLICYVAULT_AUDIT_SIGNING_KEY",
        help="The log's Ed25519 private key (PEM).",
    ),
]
PublicKey = Annotated[
    Path | None,
    typer.Option("--public-key", help="The log's Ed25519 public key (PEM)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _fail(code: int, reason: str) -> NoReturn:
    err.print(reason, markup=False)
    raise typer.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """Map errors to exit codes, with one line on stderr."""
    try:
        yield
    except PolicyVaultError as exc:
        _fail(exit_code_for(exc), f"error: {exc}")
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(2, f"error: database: {detail}")


@contextmanager
def _store(database: str, *, create: bool) -> Iterator[SqlAuditStore]:
    store = open_audit_store(database, create=create)
    try:
        yield store
    finally:
        store.close()


def _read_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the {what} {path}: {exc.strerror}") from None


def _signer(path: Path) -> CheckpointSigner:
    if not path.exists():
        raise InvalidInput(f"no signing key at {path}: create one with `policyvault audit keygen`")
    return CheckpointSigner.from_pem(_read_file(path, "signing key"))


def _verifier(public_key: Path | None, signing_key: Path) -> CheckpointVerifier:
    if public_key is not None:
        return CheckpointVerifier.from_pem(_read_file(public_key, "public key"))
    if signing_key.exists():
        return _signer(signing_key).verifier
    raise InvalidInput("checking signatures needs the log's key: pass --public-key")


def _read_json(path: Path, what: str) -> object:
    try:
        return json.loads(_read_file(path, what))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput(f"{path} is not a JSON {what}") from None


def _print_json(document: object) -> None:
    out.print(json.dumps(document, indent=2, ensure_ascii=False), markup=False)


def _write_or_print(document: object, path: Path | None) -> None:
    if path is None:
        _print_json(document)
    else:
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        err.print(f"wrote {path}", markup=False)


@app.command("keygen")
def keygen(
    signing_key: SigningKey = DEFAULT_SIGNING_KEY,
    force: Annotated[bool, typer.Option(help="Replace an existing key file.")] = False,
) -> None:
    """Create the log's Ed25519 signing key (PEM, readable by its owner only)."""
    if signing_key.exists() and not force:
        _fail(2, f"error: {signing_key} exists (pass --force to replace it)")
    signer = CheckpointSigner.generate()
    signing_key.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(signing_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(signer.to_pem())
    out.print(f"wrote {signing_key} (key id {signer.key_id})", markup=False)


@app.command("export-public-key")
def export_public_key(
    signing_key: SigningKey = DEFAULT_SIGNING_KEY,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the PEM here instead of stdout.")
    ] = None,
) -> None:
    """Print the public key (PEM) that outside parties use to check checkpoints and proofs."""
    with _errors():
        pem = _signer(signing_key).verifier.to_pem()
    if out_file is None:
        out.print(pem.decode("ascii").rstrip("\n"), markup=False)
    else:
        out_file.write_bytes(pem)
        err.print(f"wrote {out_file}", markup=False)


@app.command("checkpoint")
def checkpoint(
    database: Database = DEFAULT_DATABASE,
    signing_key: SigningKey = DEFAULT_SIGNING_KEY,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Also keep the checkpoint in this file.")
    ] = None,
) -> None:
    """Sign a checkpoint of the whole log now and print it.

    Keep a copy outside the database: `verify --checkpoint FILE` then catches a truncated log
    even when the stored checkpoints were removed too.
    """
    with _errors():
        signer = _signer(signing_key)
        with _store(database, create=True) as store:
            signed = AuditLog(store, production_clock(), signer=signer).checkpoint()
    _write_or_print(signed.to_document(), out_file)


@app.command("verify")
def verify(
    database: Database = DEFAULT_DATABASE,
    public_key: PublicKey = None,
    signing_key: SigningKey = DEFAULT_SIGNING_KEY,
    checkpoints: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="A checkpoint kept outside the database (repeatable)."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Check the whole log: hash chain, index columns, signed checkpoints.

    Exit 0 intact, 1 broken (naming the first bad sequence number), 2 bad input.
    """
    with _errors():
        verifier = _verifier(public_key, signing_key)
        external = [
            SignedCheckpoint.from_document(_read_json(path, "checkpoint"))
            for path in checkpoints or []
        ]
        with _store(database, create=False) as store, _progress() as progress:
            report = AuditLog(store, production_clock()).verify(
                verifier, external=external, on_start=progress.start, on_progress=progress.advance
            )
    _print_report(report, as_json)
    raise typer.Exit(0 if report.ok else 1)


class _Bar:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, total: int) -> None:
        if total >= PROGRESS_FROM:
            self._progress.start()
            self._task = self._progress.add_task("verifying", total=total)

    def advance(self, done: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=done)


@contextmanager
def _progress() -> Iterator[_Bar]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    try:
        yield _Bar(progress)
    finally:
        progress.stop()


def _print_report(report: VerifyReport, as_json: bool) -> None:
    if as_json:
        _print_json(
            {
                "ok": report.ok,
                "first_bad_seq": report.first_bad_seq,
                "reason": report.reason,
                "entries_checked": report.entries_checked,
                "last_seq": report.last_seq,
                "checkpoints_checked": report.checkpoints_checked,
                "pruned_through": report.pruned_through,
            }
        )
    elif report.ok:
        out.print(report.reason, markup=False)
    else:
        where = f"at seq {report.first_bad_seq}" if report.first_bad_seq else "in its checkpoints"
        out.print(f"BROKEN {where}: {report.reason}", markup=False)


@app.command("prove")
def prove(
    seq: Annotated[int, typer.Argument(help="The entry's sequence number.", min=1)],
    database: Database = DEFAULT_DATABASE,
    tree_size: Annotated[
        int | None, typer.Option(help="Prove against the kept checkpoint of this size.")
    ] = None,
    signing_key: SigningKey = DEFAULT_SIGNING_KEY,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the proof here.")] = None,
) -> None:
    """Print an inclusion proof (JSON) of one entry in a signed checkpoint's tree.

    Signs a new checkpoint when none covers the entry yet and the signing key is at hand.
    """
    with _errors():
        signer = _signer(signing_key) if signing_key.exists() else None
        with _store(database, create=False) as store:
            log = AuditLog(store, production_clock(), signer=signer)
            proof = log.prove_inclusion(seq, tree_size=tree_size)
    _write_or_print(proof.to_document(), out_file)


@app.command("prove-consistency")
def prove_consistency(
    old_size: Annotated[int, typer.Argument(help="The tree size of the older checkpoint.", min=0)],
    to: Annotated[int | None, typer.Option(help="The newer tree size (default: latest).")] = None,
    database: Database = DEFAULT_DATABASE,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the proof here.")] = None,
) -> None:
    """Print a consistency proof (JSON): the older signed tree is a prefix of the newer one."""
    with _errors(), _store(database, create=False) as store:
        proof = AuditLog(store, production_clock()).prove_consistency(old_size, to)
    _write_or_print(proof.to_document(), out_file)


@app.command("check-proof")
def check_proof_command(
    file: Annotated[Path, typer.Argument(help="A proof from `prove` or `prove-consistency`.")],
    public_key: Annotated[Path, typer.Option("--public-key", help="The log's public key (PEM).")],
) -> None:
    """Check a proof offline, with nothing but the public key.

    Exit 0 valid, 1 invalid, 2 not a proof.
    """
    with _errors():
        verifier = CheckpointVerifier.from_pem(_read_file(public_key, "public key"))
        proof = read_proof(_read_json(file, "proof"))
        result = check_proof(proof, verifier)
    out.print(("ok: " if result.ok else "INVALID: ") + result.reason, markup=False)
    raise typer.Exit(0 if result.ok else 1)


class DecisionFilter(StrEnum):
    allowed = "allowed"
    denied = "denied"


def _when(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option} takes an ISO 8601 date or time") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


@app.command("log")
def log_command(
    database: Database = DEFAULT_DATABASE,
    subject: Annotated[str | None, typer.Option(help="Only entries about this subject id.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only entries by this actor id.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action (view, download...).")
    ] = None,
    decision: Annotated[DecisionFilter | None, typer.Option(help="allowed or denied.")] = None,
    since: Annotated[
        str | None, typer.Option(help="From this time (ISO 8601, UTC if naive).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Before this time (ISO 8601).")] = None,
    after: Annotated[int, typer.Option(help="Start after this seq (paging).", min=0)] = 0,
    limit: Annotated[int, typer.Option(help="Entries per page.", min=1, max=10_000)] = 50,
    as_json: AsJson = False,
) -> None:
    """List entries, filtered, one page at a time.

    The footer names the next page: --after SEQ.
    """
    with _errors():
        query = AuditQuery(
            subject_id=subject,
            actor_id=actor,
            action=action,
            allowed=None if decision is None else decision is DecisionFilter.allowed,
            since=_when(since, "--since"),
            until=_when(until, "--until"),
            after_seq=after,
            limit=limit,
        )
        with _store(database, create=False) as store:
            entries = AuditLog(store, production_clock()).entries(query)
    if as_json:
        _print_json([entry_document(e) for e in entries])
    else:
        _print_table(entries)
        if len(entries) == limit:
            err.print(f"next page: --after {entries[-1].seq}", markup=False)


def _print_table(entries: list[AuditEntry]) -> None:
    table = Table("seq", "time (UTC)", "actor", "action", "subject", "purpose", "decision")
    for entry in entries:
        e = entry.event
        verdict = "allowed" if e.decision.allowed else "DENIED"
        table.add_row(
            str(entry.seq),
            entry.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{e.actor.id} ({e.actor.role})",
            e.action,
            e.subject_id or "",
            e.purpose or "",
            f"{verdict}: {e.decision.rule}",
        )
    out.print(table)


@app.command("prune")
def prune(
    subject_count: Annotated[
        int, typer.Option(help="How many data subjects the vault holds.", min=0)
    ],
    sensitive: Annotated[
        bool, typer.Option(help="The vault holds unique identifiers or sensitive items.")
    ] = False,
    telecom_carrier: Annotated[
        bool, typer.Option(help="The controller is a facilities-based telecom carrier.")
    ] = False,
    policy_years: Annotated[
        int, typer.Option(help="Years the policy promises to keep access logs.", min=0)
    ] = 0,
    actor: Annotated[str, typer.Option(help="Who prunes (an account id).")] = "policyvault.cli",
    database: Database = DEFAULT_DATABASE,
    signing_key: SigningKey = DEFAULT_SIGNING_KEY,
) -> None:
    """Remove the oldest entries past the retention floor, behind a signed checkpoint.

    The floor is 1 year; 2 years for 50,000 or more subjects, unique identifiers or sensitive
    items; 3 years for access-right entries; longer if the policy promises it. Only a log that
    verifies is pruned, and the prune is itself an entry (audit.pruned).
    """
    with _errors():
        floor = access_log_floor(
            subject_count=subject_count,
            holds_unique_or_sensitive=sensitive,
            telecom_carrier=telecom_carrier,
            policy_years=policy_years,
        )
        signer = _signer(signing_key)
        with _store(database, create=False) as store:
            log = AuditLog(store, production_clock(), signer=signer)
            result = log.prune(floor=floor, actor=Actor(actor, "system"))
    if result.removed:
        out.print(
            f"pruned {result.removed} entries, through seq {result.pruned_through} "
            f"({result.floor.reason})",
            markup=False,
        )
    else:
        out.print(result.reason, markup=False)
