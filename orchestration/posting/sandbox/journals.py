"""Validate and record journals in the sandbox ledger, honouring idempotency keys."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import psycopg
from psycopg.rows import dict_row
from pydantic import BaseModel, Field

from orchestration.posting.journal import canonical_amount
from orchestration.posting.sandbox.ledger import JOURNAL_TYPE


class JournalLineIn(BaseModel):
    """One journal line as posted: account number (or internal id) and one amount side."""

    account: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    memo: str = ""
    name: str = ""
    department: str = ""
    class_: str = Field("", alias="class")
    location: str = ""
    tax_code: str = ""

    model_config = {"populate_by_name": True}


class JournalIn(BaseModel):
    """A journal entry request body."""

    external_id: str | None = None
    subsidiary: int
    currency: str
    exchange_rate: Decimal = Decimal(1)
    date: date
    posting_period: str = Field(pattern=r"^\d{4}-\d{2}$")
    memo: str = ""
    lines: list[JournalLineIn]


@dataclass
class ValidationFailure(Exception):
    """A journal the ledger rejects, with one (code, message) pair per error."""

    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.errors[0][0]

    @property
    def message(self) -> str:
        return "; ".join(message for _, message in self.errors)


class IdempotencyConflict(Exception):
    """An idempotency key that was used before for a journal with other content."""


def request_hash(journal: JournalIn) -> str:
    """Return a hash of the request content, with amounts normalized."""
    payload = journal.model_dump(mode="json", by_alias=True)
    payload["exchange_rate"] = canonical_amount(journal.exchange_rate)
    for line, raw in zip(payload["lines"], journal.lines, strict=True):
        line["debit"] = canonical_amount(raw.debit)
        line["credit"] = canonical_amount(raw.credit)
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def post_journal(
    connection: psycopg.Connection, journal: JournalIn, key: str
) -> tuple[dict[str, Any], bool]:
    """Record `journal` under idempotency key `key` and return it with a created flag.

    A key seen before with the same content returns the earlier journal and False.
    Raises IdempotencyConflict for a key seen with other content, and ValidationFailure
    for an invalid journal. `connection` must be in autocommit mode.
    """
    digest = request_hash(journal)
    with connection.transaction():
        # Concurrent requests with one key queue here, so only the first one posts.
        connection.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))
        existing = connection.execute(
            """
            select request_hash, transaction_id from erp_sandbox.journal_request
            where idempotency_key = %s
            """,
            (key,),
        ).fetchone()
        if existing is not None:
            if existing[0] != digest:
                raise IdempotencyConflict(
                    f"Idempotency-Key {key} was used for journal {existing[1]} with different "
                    "content; send a new key for a new journal."
                )
            found = get_journal(connection, existing[1])
            assert found is not None
            return found, False

        transaction_id = _insert_journal(connection, journal, key)
        connection.execute(
            """
            insert into erp_sandbox.journal_request (idempotency_key, request_hash, transaction_id)
            values (%s, %s, %s)
            """,
            (key, digest, transaction_id),
        )
        created = get_journal(connection, transaction_id)
        assert created is not None
        return created, True


@dataclass(frozen=True)
class _Context:
    subsidiary: dict[str, Any]
    currency_id: str
    precision: int
    functional_precision: int
    period: dict[str, Any]
    accounts: dict[str, dict[str, Any]]


def _validate(connection: psycopg.Connection, journal: JournalIn) -> _Context:
    errors: list[tuple[str, str]] = []
    cursor = connection.cursor(row_factory=dict_row)

    subsidiary = cursor.execute(
        "select * from erp_sandbox.subsidiary where id = %s", (str(journal.subsidiary),)
    ).fetchone()
    if subsidiary is None:
        errors.append(("UNKNOWN_SUBSIDIARY", f"Subsidiary {journal.subsidiary} not found."))
    elif subsidiary["isinactive"] == "T":
        errors.append(("INACTIVE_SUBSIDIARY", f"Subsidiary {journal.subsidiary} is inactive."))

    currency = cursor.execute(
        "select * from erp_sandbox.currency where upper(symbol) = upper(%s)", (journal.currency,)
    ).fetchone()
    if currency is None:
        errors.append(("UNKNOWN_CURRENCY", f"Currency {journal.currency} not found."))
    precision = int(currency["currencyprecision"] or 2) if currency else 2

    functional_precision = 2
    if subsidiary is not None:
        functional = cursor.execute(
            "select currencyprecision from erp_sandbox.currency where id = %s",
            (subsidiary["currency"],),
        ).fetchone()
        if functional is not None and functional["currencyprecision"]:
            functional_precision = int(functional["currencyprecision"])

    if journal.exchange_rate <= 0:
        errors.append(
            ("INVALID_EXCHANGE_RATE", f"Exchange rate {journal.exchange_rate} is not positive.")
        )

    period = _find_period(cursor, journal.posting_period)
    errors.extend(_period_errors(journal, period))

    accounts = _line_accounts(cursor, journal)
    errors.extend(_line_errors(journal, accounts, precision))

    posts_to_receivables = any(
        account.get("accttype") == "AcctRec" for account in accounts.values()
    )
    if period is not None and period["arlocked"] == "T" and posts_to_receivables:
        errors.append(
            (
                "PERIOD_LOCKED",
                f"Accounting period {period['periodname']} is locked for accounts "
                "receivable; the journal posts to an AR account.",
            )
        )

    if errors:
        raise ValidationFailure(errors)
    assert subsidiary is not None
    assert currency is not None
    assert period is not None
    return _Context(
        subsidiary, str(currency["id"]), precision, functional_precision, period, accounts
    )


def _find_period(cursor, label: str) -> dict[str, Any] | None:
    year, month = (int(part) for part in label.split("-"))
    return cursor.execute(
        """
        select * from erp_sandbox.accounting_period
        where startdate::date = %s
          and coalesce(isquarter, 'F') <> 'T' and coalesce(isyear, 'F') <> 'T'
        order by id::bigint
        limit 1
        """,
        (date(year, month, 1),),
    ).fetchone()


def _period_errors(journal: JournalIn, period: dict[str, Any] | None) -> list[tuple[str, str]]:
    if period is None:
        return [("PERIOD_NOT_FOUND", f"Accounting period {journal.posting_period} not found.")]

    name = period["periodname"]
    errors = []
    if period["closed"] == "T":
        errors.append(("PERIOD_CLOSED", f"Accounting period {name} is closed."))
    if period["alllocked"] == "T":
        errors.append(("PERIOD_LOCKED", f"Accounting period {name} is locked."))
    if period["isposting"] == "F":
        errors.append(("PERIOD_NOT_POSTING", f"Accounting period {name} is not a posting period."))

    start = date.fromisoformat(period["startdate"][:10])
    end = date.fromisoformat(period["enddate"][:10])
    if not start <= journal.date <= end:
        errors.append(
            (
                "DATE_OUTSIDE_PERIOD",
                f"Date {journal.date} is outside accounting period {name} ({start} to {end}).",
            )
        )
    return errors


def _line_accounts(cursor, journal: JournalIn) -> dict[str, dict[str, Any]]:
    names = sorted({line.account for line in journal.lines})
    rows = cursor.execute(
        """
        select * from erp_sandbox.account
        where acctnumber = any(%s) or id = any(%s)
        """,
        (names, names),
    ).fetchall()
    accounts: dict[str, dict[str, Any]] = {}
    for row in rows:
        accounts.setdefault(row["acctnumber"], row)
        accounts.setdefault(row["id"], row)
    return {name: accounts[name] for name in names if name in accounts}


def _line_errors(
    journal: JournalIn, accounts: dict[str, dict[str, Any]], precision: int
) -> list[tuple[str, str]]:
    errors = []
    if len(journal.lines) < 2:
        errors.append(("TOO_FEW_LINES", "A journal needs at least two lines."))

    for number, line in enumerate(journal.lines, start=1):
        account = accounts.get(line.account)
        if account is None:
            errors.append(("UNKNOWN_ACCOUNT", f"Line {number}: account {line.account} not found."))
        elif account["isinactive"] == "T":
            errors.append(
                ("INACTIVE_ACCOUNT", f"Line {number}: account {line.account} is inactive.")
            )
        elif account["issummary"] == "T":
            errors.append(
                ("SUMMARY_ACCOUNT", f"Line {number}: account {line.account} is a summary account.")
            )

        if line.debit < 0 or line.credit < 0 or (line.debit > 0) == (line.credit > 0):
            errors.append(
                (
                    "INVALID_LINE",
                    f"Line {number}: expected one positive amount, debit or credit; got debit "
                    f"{line.debit} and credit {line.credit}.",
                )
            )
        for amount in (line.debit, line.credit):
            if _decimals(amount) > precision:
                errors.append(
                    (
                        "INVALID_AMOUNT",
                        f"Line {number}: amount {amount} has more than {precision} decimals "
                        f"allowed in {journal.currency}.",
                    )
                )

    debit = sum((line.debit for line in journal.lines), Decimal(0))
    credit = sum((line.credit for line in journal.lines), Decimal(0))
    if debit != credit:
        errors.append(
            (
                "UNBALANCED",
                f"Journal is unbalanced: debits {debit} and credits {credit} "
                f"{journal.currency} differ by {debit - credit}.",
            )
        )
    return errors


def _decimals(amount: Decimal) -> int:
    try:
        exponent = amount.normalize().as_tuple().exponent
    except InvalidOperation:
        return 0
    return max(0, -int(exponent))


def _insert_journal(connection: psycopg.Connection, journal: JournalIn, key: str) -> str:
    context = _validate(connection, journal)
    # Internal ids are assigned one at a time; the sandbox is no high-volume ledger.
    connection.execute("lock table erp_sandbox.transaction in share row exclusive mode")
    row = connection.execute(
        "select coalesce(max(id::bigint), 0) + 1 from erp_sandbox.transaction"
    ).fetchone()
    assert row is not None
    transaction_id = str(row[0])
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    total = sum((line.debit for line in journal.lines), Decimal(0))

    connection.execute(
        """
        insert into erp_sandbox.transaction (
            id, tranid, type, trandate, postingperiod, subsidiary, entity, currency,
            exchangerate, foreigntotal, externalid, memo, status, voided, reversal,
            createddate, lastmodifieddate
        )
        values (%s, %s, %s, %s, %s, %s, null, %s, %s, %s, %s, %s, 'B', 'F', null, %s, %s)
        """,
        (
            transaction_id,
            f"JE{transaction_id}",
            JOURNAL_TYPE,
            journal.date.isoformat(),
            context.period["id"],
            str(journal.subsidiary),
            context.currency_id,
            canonical_amount(journal.exchange_rate),
            _money(total, context.precision),
            key,
            journal.memo or None,
            now,
            now,
        ),
    )

    functional = _functional_amounts(journal, context.functional_precision)
    with connection.cursor() as cursor:
        cursor.executemany(
            """
            insert into erp_sandbox.transaction_line (
                transaction, id, mainline, subsidiary, account, item, class, department,
                location, taxcode, entity, memo, debitforeignamount, creditforeignamount,
                debit, credit
            )
            values (%s, %s, 'F', %s, %s, null, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            """,
            [
                (
                    transaction_id,
                    str(number),
                    str(journal.subsidiary),
                    context.accounts[line.account]["id"],
                    line.class_ or None,
                    line.department or None,
                    line.location or None,
                    line.tax_code or None,
                    line.name or None,
                    line.memo or None,
                    _money(line.debit, context.precision) if line.debit else None,
                    _money(line.credit, context.precision) if line.credit else None,
                    _money(debit, context.functional_precision) if debit else None,
                    _money(credit, context.functional_precision) if credit else None,
                )
                for number, (line, (debit, credit)) in enumerate(
                    zip(journal.lines, functional, strict=True)
                )
            ],
        )
    return transaction_id


def _functional_amounts(journal: JournalIn, precision: int) -> list[tuple[Decimal, Decimal]]:
    """Convert each line at the journal's rate, rounded, keeping debits equal to credits.

    Rounding each line can leave the converted sides a unit apart. The difference is added
    to the largest line of the smaller side.
    """
    quantum = Decimal(1).scaleb(-precision)
    amounts = [
        (
            (line.debit * journal.exchange_rate).quantize(quantum, ROUND_HALF_UP),
            (line.credit * journal.exchange_rate).quantize(quantum, ROUND_HALF_UP),
        )
        for line in journal.lines
    ]
    difference = sum(d for d, _ in amounts) - sum(c for _, c in amounts)
    if difference:
        side = 1 if difference > 0 else 0
        index = max(range(len(amounts)), key=lambda i: amounts[i][side])
        debit, credit = amounts[index]
        if side == 1:
            credit += difference
        else:
            debit -= difference
        amounts[index] = (debit, credit)
    return amounts


def _money(amount: Decimal, precision: int) -> str:
    return str(amount.quantize(Decimal(1).scaleb(-precision), ROUND_HALF_UP))


def get_journal(connection: psycopg.Connection, transaction_id: str) -> dict[str, Any] | None:
    """Return a journal with its lines, as the API serves it, or None."""
    cursor = connection.cursor(row_factory=dict_row)
    header = cursor.execute(
        """
        select t.*, p.periodname, c.symbol as currency_symbol
        from erp_sandbox.transaction as t
        left join erp_sandbox.accounting_period as p on p.id = t.postingperiod
        left join erp_sandbox.currency as c on c.id = t.currency
        where t.id = %s and t.type = %s
        """,
        (transaction_id, JOURNAL_TYPE),
    ).fetchone()
    if header is None:
        return None
    lines = cursor.execute(
        """
        select l.*, a.acctnumber
        from erp_sandbox.transaction_line as l
        left join erp_sandbox.account as a on a.id = l.account
        where l.transaction = %s
        order by l.id::bigint
        """,
        (transaction_id,),
    ).fetchall()
    return {
        "id": header["id"],
        "tranid": header["tranid"],
        "external_id": header["externalid"],
        "subsidiary": header["subsidiary"],
        "currency": header["currency_symbol"],
        "exchange_rate": header["exchangerate"],
        "date": header["trandate"],
        "posting_period": header["periodname"],
        "memo": header["memo"],
        "total": header["foreigntotal"],
        "created_at": header["createddate"],
        "lines": [
            {
                "line": line["id"],
                "account": line["acctnumber"],
                "debit": line["debitforeignamount"],
                "credit": line["creditforeignamount"],
                "functional_debit": line["debit"],
                "functional_credit": line["credit"],
                "memo": line["memo"],
                "class": line["class"],
                "tax_code": line["taxcode"],
            }
            for line in lines
        ],
    }


def list_journals(connection: psycopg.Connection) -> list[dict[str, Any]]:
    """Return every journal posted through the API, oldest first, without lines."""
    rows = connection.execute(
        """
        select r.idempotency_key, r.transaction_id, t.tranid, t.foreigntotal, r.created_at
        from erp_sandbox.journal_request as r
        join erp_sandbox.transaction as t on t.id = r.transaction_id
        order by r.transaction_id::bigint
        """
    ).fetchall()
    return [
        {
            "id": transaction_id,
            "tranid": tranid,
            "external_id": key,
            "total": total,
            "created_at": created_at.isoformat(),
        }
        for key, transaction_id, tranid, total, created_at in rows
    ]
