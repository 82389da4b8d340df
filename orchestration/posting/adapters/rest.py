"""REST adapter: POST each journal as JSON with an `Idempotency-Key` header.

The contract is the ERP sandbox's `POST /journals`. It returns 201 with the new journal,
or 200 with the earlier journal when the key was used before with the same content. A key
used before with other content gets 409, and an invalid journal 422.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from orchestration.posting.adapters.base import ErpResult, PermanentErpError, TransientErpError
from orchestration.posting.journal import Journal, canonical_amount

logger = logging.getLogger("tieout.posting")

IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TIMEOUT_SECONDS = 10.0
# Statuses that mean "try again later" rather than "this journal is invalid".
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def journal_payload(journal: Journal) -> dict[str, Any]:
    """Return the JSON body for `journal`, amounts as decimal strings."""
    return {
        "external_id": journal.external_id,
        "subsidiary": journal.subsidiary_id,
        "currency": journal.currency,
        "exchange_rate": canonical_amount(journal.exchange_rate),
        "date": journal.date.isoformat(),
        "posting_period": journal.posting_period,
        "memo": journal.memo,
        "lines": [
            {
                "account": line.account,
                "debit": canonical_amount(line.debit),
                "credit": canonical_amount(line.credit),
                "memo": line.memo,
                "name": line.name,
                "department": line.department,
                "class": line.class_,
                "location": line.location,
                "tax_code": line.tax_code,
            }
            for line in journal.lines
        ],
    }


class RestErpAdapter:
    """Posts journals to `<base_url>/journals` with httpx."""

    def __init__(
        self,
        base_url: str,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.Client(timeout=timeout_seconds)
        self._owns_client = client is None

    def post(self, journal: Journal) -> ErpResult:
        """Send the journal and return the ERP's journal id.

        Raises TransientErpError on timeouts, connection errors and 408/425/429/5xx, and
        PermanentErpError on any other 4xx, with the ERP's message.
        """
        key = journal.external_id
        try:
            response = self._client.post(
                f"{self.base_url}/journals",
                json=journal_payload(journal),
                headers={IDEMPOTENCY_HEADER: key},
            )
        except httpx.TimeoutException as error:
            raise TransientErpError(f"ERP timed out for journal {key}: {error!r}") from error
        except httpx.TransportError as error:
            raise TransientErpError(f"ERP unreachable for journal {key}: {error!r}") from error

        if response.status_code in (200, 201):
            try:
                body = response.json()
                journal_id = body["id"]
            except (ValueError, KeyError, TypeError) as error:
                # The ERP may have created the journal; a retry under the same key reads it back.
                raise TransientErpError(
                    f"ERP returned {response.status_code} for journal {key} without a journal "
                    f"id: {response.text[:200]!r}",
                    status_code=response.status_code,
                ) from error
            return ErpResult(
                erp_journal_id=str(journal_id),
                idempotency_key=key,
                replayed=response.status_code == 200,
                message=str(body.get("tranid", "")),
            )

        message = f"ERP returned {response.status_code} for journal {key}: {_error_text(response)}"
        if response.status_code in TRANSIENT_STATUSES:
            raise TransientErpError(message, status_code=response.status_code)
        raise PermanentErpError(message, status_code=response.status_code)

    def close(self) -> None:
        """Close the HTTP client when this adapter created it."""
        if self._owns_client:
            self._client.close()


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase

    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict) and "message" in detail:
        return str(detail["message"])
    if isinstance(detail, list):
        # FastAPI's own request validation errors: a list of {loc, msg}.
        return "; ".join(
            f"{'.'.join(str(part) for part in item.get('loc', ()))}: {item.get('msg')}"
            for item in detail
            if isinstance(item, dict)
        )
    return str(detail)
