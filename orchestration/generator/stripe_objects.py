"""Stripe API objects (current API shape) for one customer's records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orchestration.generator.calendar import unix
from orchestration.generator.model import (
    Charge,
    CreditNote,
    Customer,
    Invoice,
    Item,
    Line,
    Refund,
    Subscription,
    UsageSummary,
)

DUE_DAYS = 30
CARD_FEE_BASIS_POINTS = 290
CARD_FEE_FIXED_MINOR = 30
# Funds become available for payout this many days after the charge or refund.
AVAILABLE_AFTER_DAYS = 2


def ts(moment: datetime | None) -> int | None:
    return None if moment is None else unix(moment)


def customer_object(customer: Customer, country: str) -> dict:
    return {
        "address": {
            "city": None,
            "country": country,
            "line1": None,
            "line2": None,
            "postal_code": None,
            "state": None,
        },
        "balance": 0,
        "created": ts(customer.created),
        "currency": customer.currency.code.lower(),
        "default_source": None,
        "delinquent": False,
        "description": None,
        "email": customer.email,
        "id": customer.stripe_id,
        "invoice_prefix": customer.invoice_prefix,
        "livemode": False,
        "metadata": {
            "netsuite_customer_id": str(customer.netsuite_id),
            "salesforce_account_id": customer.salesforce_id,
            "subsidiary": str(customer.subsidiary.id),
        },
        "name": customer.name,
        "object": "customer",
        "phone": None,
        "preferred_locales": [],
        "tax_exempt": "none",
        "test_clock": None,
    }


def item_object(item: Item, subscription: Subscription, period: tuple[datetime, datetime]) -> dict:
    body = {
        "created": ts(item.created),
        "current_period_end": ts(period[1]),
        "current_period_start": ts(period[0]),
        "discounts": [],
        "id": item.id,
        "metadata": {},
        "object": "subscription_item",
        "price": item.price.to_stripe(),
        "subscription": subscription.id,
        "tax_rates": [],
    }
    # Metered items have no quantity in the Stripe API.
    if item.quantity is not None:
        body["quantity"] = item.quantity
    return body


def subscription_object(
    subscription: Subscription, customer: Customer, period: tuple[datetime, datetime]
) -> dict:
    items = [item_object(item, subscription, period) for item in subscription.items()]
    metadata = {}
    if subscription.contract_reference:
        metadata["salesforce_contract_id"] = subscription.contract_reference
    return {
        "billing_cycle_anchor": ts(subscription.start),
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": ts(subscription.canceled_at),
        "collection_method": "charge_automatically",
        "created": ts(subscription.created),
        "currency": customer.currency.code.lower(),
        "customer": customer.stripe_id,
        "days_until_due": None,
        "default_payment_method": None,
        "description": None,
        "discounts": [],
        "ended_at": ts(subscription.ended_at),
        "id": subscription.id,
        "items": {
            "data": items,
            "has_more": False,
            "object": "list",
            "total_count": len(items),
            "url": f"/v1/subscription_items?subscription={subscription.id}",
        },
        "livemode": False,
        "metadata": metadata,
        "object": "subscription",
        "start_date": ts(subscription.start),
        "status": "canceled" if subscription.ended_at is not None else "active",
        "test_clock": None,
    }


def line_object(line: Line, invoice: Invoice, tax_code: str | None) -> dict:
    if line.subscription is not None:
        parent = {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": line.proration,
                "proration_details": {"credited_items": None},
                "subscription": line.subscription.id,
                "subscription_item": line.item.id if line.item is not None else None,
            },
            "type": "subscription_item_details",
        }
    else:
        parent = {
            "invoice_item_details": {
                "invoice_item": line.invoice_item_id,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": None,
            },
            "subscription_item_details": None,
            "type": "invoice_item_details",
        }
    return {
        "amount": line.amount,
        "currency": invoice.currency.code.lower(),
        "description": line.description,
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "id": line.id,
        "invoice": invoice.id,
        "livemode": False,
        "metadata": {"tax_code": tax_code} if tax_code else {},
        "object": "line_item",
        "parent": parent,
        "period": {"end": ts(line.period_end), "start": ts(line.period_start)},
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": {"price": line.price.id, "product": line.price.product.stripe_id},
            "type": "price_details",
            "unit_amount_decimal": str(line.price.unit_amount),
        },
        "quantity": line.quantity,
        "taxes": [],
    }


def invoice_object(invoice: Invoice, tax_codes: dict[str, str | None]) -> dict:
    customer = invoice.customer
    total = invoice.total
    remaining = 0 if invoice.status != "open" else max(total - invoice.amount_paid, 0)
    lines = [line_object(line, invoice, tax_codes.get(line.id)) for line in invoice.lines]
    metadata = {}
    parent = None
    if invoice.subscription is not None:
        subscription = invoice.subscription
        if subscription.contract_reference:
            metadata["salesforce_contract_id"] = subscription.contract_reference
        parent = {
            "quote_details": None,
            "subscription_details": {"metadata": dict(metadata), "subscription": subscription.id},
            "type": "subscription_details",
        }
    return {
        "account_country": customer.subsidiary.country,
        "account_name": customer.subsidiary.name,
        "amount_due": total,
        "amount_overpaid": 0,
        "amount_paid": invoice.amount_paid,
        "amount_remaining": remaining,
        "amount_shipping": 0,
        "attempt_count": 1 if invoice.amount_paid else 0,
        "attempted": invoice.amount_paid > 0,
        "auto_advance": invoice.status == "open",
        "billing_reason": invoice.billing_reason,
        "collection_method": "charge_automatically",
        "created": ts(invoice.created),
        "currency": invoice.currency.code.lower(),
        "customer": customer.stripe_id,
        "customer_email": customer.email,
        "customer_name": customer.name,
        "description": None,
        "discounts": [],
        "due_date": ts(invoice.finalized + timedelta(days=DUE_DAYS)),
        "effective_at": ts(invoice.finalized),
        "ending_balance": 0,
        "hosted_invoice_url": None,
        "id": invoice.id,
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "lines": {
            "data": lines,
            "has_more": False,
            "object": "list",
            "total_count": len(lines),
            "url": f"/v1/invoices/{invoice.id}/lines",
        },
        "livemode": False,
        "metadata": metadata,
        "number": invoice.number,
        "object": "invoice",
        "parent": parent,
        "period_end": ts(invoice.period_end),
        "period_start": ts(invoice.period_start),
        "post_payment_credit_notes_amount": invoice.credited,
        "pre_payment_credit_notes_amount": 0,
        "starting_balance": 0,
        "status": invoice.status,
        "status_transitions": {
            "finalized_at": ts(invoice.finalized),
            "marked_uncollectible_at": None,
            "paid_at": ts(invoice.paid_at),
            "voided_at": ts(invoice.voided_at),
        },
        "subtotal": total,
        "subtotal_excluding_tax": total,
        "test_clock": None,
        "total": total,
        "total_discount_amounts": [],
        "total_excluding_tax": total,
        "total_taxes": [],
    }


def credit_note_object(note: CreditNote) -> dict:
    invoice = note.invoice
    lines = [
        {
            "amount": line.amount,
            "description": line.invoice_line.description,
            "discount_amount": 0,
            "discount_amounts": [],
            "id": line.id,
            "invoice_line_item": line.invoice_line.id,
            "livemode": False,
            "metadata": {},
            "object": "credit_note_line_item",
            "pretax_credit_amounts": [],
            "quantity": 1,
            "tax_rates": [],
            "taxes": [],
            "type": "invoice_line_item",
            "unit_amount": None,
            "unit_amount_decimal": None,
        }
        for line in note.lines
    ]
    refunds = []
    if note.refund is not None:
        refunds.append(
            {"amount_refunded": note.refund.amount, "refund": note.refund.id, "type": "refund"}
        )
    return {
        "amount": note.total,
        "amount_shipping": 0,
        "created": ts(note.created),
        "currency": invoice.currency.code.lower(),
        "customer": invoice.customer.stripe_id,
        "customer_balance_transaction": None,
        "discount_amount": 0,
        "discount_amounts": [],
        "effective_at": ts(note.created),
        "id": note.id,
        "invoice": invoice.id,
        "lines": {
            "data": lines,
            "has_more": False,
            "object": "list",
            "total_count": len(lines),
            "url": f"/v1/credit_notes/{note.id}/lines",
        },
        "livemode": False,
        "memo": None,
        "metadata": {},
        "number": note.number,
        "object": "credit_note",
        "out_of_band_amount": None,
        "post_payment_amount": note.total,
        "pre_payment_amount": 0,
        "reason": note.reason,
        "refunds": refunds,
        "status": "issued",
        "subtotal": note.total,
        "subtotal_excluding_tax": note.total,
        "total": note.total,
        "total_excluding_tax": note.total,
        "total_taxes": [],
        "type": "post_payment",
        "voided_at": None,
    }


def charge_object(charge: Charge) -> dict:
    return {
        "amount": charge.amount,
        "amount_captured": charge.amount,
        "amount_refunded": charge.refunded,
        "balance_transaction": charge.balance_transaction,
        "captured": True,
        "created": ts(charge.created),
        "currency": charge.currency.code.lower(),
        "customer": charge.customer.stripe_id,
        "description": "Invoice payment",
        "disputed": False,
        "failure_code": None,
        "failure_message": None,
        "id": charge.id,
        "livemode": False,
        "metadata": {},
        "object": "charge",
        "paid": True,
        "payment_intent": charge.payment_intent,
        "payment_method_details": {"card": {"brand": "visa", "last4": "4242"}, "type": "card"},
        "refunded": charge.refunded == charge.amount,
        "status": "succeeded",
    }


def invoice_payment_objects(charge: Charge) -> list[dict]:
    return [
        {
            "amount_paid": payment.amount,
            "amount_requested": payment.amount,
            "created": ts(payment.created),
            "currency": charge.currency.code.lower(),
            "id": payment.id,
            "invoice": payment.invoice.id,
            "is_default": len(charge.payments) == 1,
            "livemode": False,
            "object": "invoice_payment",
            "payment": {
                "charge": charge.id,
                "payment_intent": charge.payment_intent,
                "type": "charge",
            },
            "status": "paid",
            "status_transitions": {"canceled_at": None, "paid_at": ts(payment.created)},
        }
        for payment in charge.payments
    ]


def refund_object(refund: Refund, charge: Charge) -> dict:
    metadata = {}
    if refund.credit_note is not None:
        metadata["credit_note"] = refund.credit_note.id
    return {
        "amount": refund.amount,
        "balance_transaction": refund.balance_transaction,
        "charge": charge.id,
        "created": ts(refund.created),
        "currency": charge.currency.code.lower(),
        "id": refund.id,
        "livemode": False,
        "metadata": metadata,
        "object": "refund",
        "payment_intent": charge.payment_intent,
        "reason": "requested_by_customer",
        "status": "succeeded",
    }


def card_fee(amount: int) -> int:
    return (amount * CARD_FEE_BASIS_POINTS + 5000) // 10000 + CARD_FEE_FIXED_MINOR


def available_on(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).date() + timedelta(days=AVAILABLE_AFTER_DAYS)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def balance_transaction_object(
    txn_id: str,
    kind: str,
    source: str,
    currency: str,
    amount: int,
    fee: int,
    created: datetime,
    available: datetime,
    payout: str | None,
    status: str,
) -> dict:
    return {
        "amount": amount,
        "available_on": ts(available),
        "created": ts(created),
        "currency": currency,
        "description": None,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "id": txn_id,
        "net": amount - fee,
        "object": "balance_transaction",
        "payout": payout,
        "reporting_category": kind,
        "source": source,
        "status": status,
        "type": kind,
    }


def usage_summary_object(summary: UsageSummary) -> dict:
    return {
        "id": summary.id,
        "invoice": summary.invoice.id if summary.invoice is not None else None,
        "livemode": False,
        "object": "usage_record_summary",
        "period": {"end": ts(summary.period_end), "start": ts(summary.period_start)},
        "subscription_item": summary.item.id,
        "total_usage": summary.total_usage,
    }
