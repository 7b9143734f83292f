"""The one table from error codes to the exit codes of the ``policyvault`` command.

    0  done
    1  refused: a rule refused the operation (a vault already there, the clock of a
       production vault, a policy file that fails its checks, a broken audit log)
    2  bad input, or nothing under that name (Click's own usage errors are 2 as well)
    3  access denied: a read or disclosure the policy does not allow; the rule is printed

The domain knows nothing of exit codes; the HTTP API keeps its own table of statuses.
"""

from __future__ import annotations

from typing import Final

from policyvault.domain.errors import PolicyVaultError

OK: Final = 0
REFUSED: Final = 1
BAD_INPUT: Final = 2
DENIED: Final = 3

EXIT_BY_CODE: Final[dict[str, int]] = {
    "refused": REFUSED,
    "policy_invalid": REFUSED,
    "decryption_failed": REFUSED,
    "invalid_input": BAD_INPUT,
    "not_found": BAD_INPUT,
    "access_denied": DENIED,
}


def exit_code_for(error: PolicyVaultError) -> int:
    """The exit code of the most specific error code in the table (``subject_not_found`` is a
    ``not_found``); errors the table does not name are bad input."""
    for kind in type(error).__mro__:
        code = vars(kind).get("code")
        if isinstance(code, str) and code in EXIT_BY_CODE:
            return EXIT_BY_CODE[code]
    return BAD_INPUT
