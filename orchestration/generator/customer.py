"""Build one customer's records: master data, contracts, subscriptions, invoices,
payments and credit notes, with the injections the plan gives the customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from orchestration.generator import plan as roles
from orchestration.generator.calendar import local_date, local_moment, period_of
from orchestration.generator.catalog import (
    API_USAGE,
    ONBOARDING,
    PLATFORM,
    SEATS,
    UNMAPPED_PRODUCTS,
)
from orchestration.generator.context import World
from orchestration.generator.ids import (
    ACCOUNT_PREFIX,
    CONTRACT_PREFIX,
    OPPORTUNITY_PREFIX,
    salesforce_id,
    stripe_id,
)
from orchestration.generator.model import (
    POSTED,
    REVERSED_IN_GL,
    RULE_POSTED,
    SUMMARIZED,
    UNPOSTED,
    VOIDED_IN_GL,
    Amendment,
    AnswerRow,
    Charge,
    Contract,
    CreditNote,
    CreditNoteLine,
    Customer,
    CustomerRecords,
    Invoice,
    InvoicePayment,
    Item,
    Line,
    Refund,
    Subscription,
    UsageSummary,
)
from orchestration.generator.names import company_name
from orchestration.generator.seeds import Subsidiary

# Billing currencies and countries of customers billed in another currency than
# their subsidiary's, keyed by the subsidiary's functional currency.
FOREIGN_BILLING = {"USD": ("CAD", "CA"), "GBP": ("EUR", "IE"), "EUR": ("USD", "US")}
HOME_COUNTRIES = {"US": ("US",), "GB": ("GB",), "DE": ("DE", "DE", "DE", "AT", "NL", "FR")}
SALESFORCE_IDS_PER_CUSTOMER = 64
# Salesforce number offset of a contract that exists nowhere (SUBSCRIPTION_WITHOUT_CONTRACT).
MISSING_CONTRACT_OFFSET = 63
# Stripe writes line descriptions with a multiplication sign, as in "3 x Product" but with U+00D7.
TIMES = "\u00d7"
# Payments settle at least this long before the snapshot, or stay open.
SETTLEMENT_MARGIN = timedelta(hours=2)

RANDOM_UNPAID = 0.06
RANDOM_PARTIAL = 0.04
RANDOM_PAIR = 0.04
RANDOM_CREDIT_NOTE = 0.04
RANDOM_VOID = 0.01
RANDOM_RULE_MATCH = 0.05
RANDOM_AMENDMENT = 0.25
RANDOM_ONBOARDING = 0.5
RANDOM_TZ_EDGE = 0.15
RANDOM_OPEN_OPPORTUNITY = 0.3
METERED_SHARE = 0.5


class CustomerBuilder:
    """Generate one customer from its own RNG, independent of every other customer."""

    def __init__(self, world: World, subsidiary: Subsidiary, position: int, index: int) -> None:
        self.world = world
        self.subsidiary = subsidiary
        self.zone = subsidiary.time_zone
        self.index = index
        self.number = position * world.customers_per_subsidiary + index
        self.rng = world.customer_rng(subsidiary.id, index)
        self.roles = world.plan.roles_of(subsidiary.id, index)
        self.role_names = {role.name for role in self.roles}
        self.reason = next((r for r in self.roles if r.name in roles.REASON_CODES), None)
        self._salesforce_counters: dict[str, int] = {}
        self._stripe_counter = 0

    # --- identifiers --------------------------------------------------------

    def sf_id(self, prefix: str, offset: int | None = None) -> str:
        if offset is None:
            offset = self._salesforce_counters.get(prefix, 0)
            self._salesforce_counters[prefix] = offset + 1
        base = (self.number + 1) * SALESFORCE_IDS_PER_CUSTOMER
        return salesforce_id(prefix, self.world.salesforce_salt + base + offset)

    def st_id(self, prefix: str, length: int = 24) -> str:
        return stripe_id(self.rng, prefix, length)

    def ts(self, month: int, day: int, hour: int, minute: int = 0) -> datetime:
        first = self.world.month_first_day(month)
        return local_moment(self.zone, first.replace(day=day), hour, minute)

    def settles(self, moment: datetime) -> bool:
        """Return whether a payment at `moment` lands in a generated period before the snapshot."""
        period_end = self.world.month_start(self.world.months, self.zone)
        return moment < min(self.world.snapshot_at, period_end) - SETTLEMENT_MARGIN

    # --- top level ----------------------------------------------------------

    def build(self) -> CustomerRecords:
        records = CustomerRecords(self.build_customer())
        self.records = records
        self.build_subscriptions()
        self.build_invoices()
        records.invoices.sort(key=lambda invoice: (invoice.finalized, invoice.id))
        for number, invoice in enumerate(records.invoices, start=1):
            invoice.number = f"{records.customer.invoice_prefix}-{number:04d}"
        self.apply_invoice_roles()
        self.build_payments()
        self.apply_answers()
        records.open_opportunity = self.rng.random() < RANDOM_OPEN_OPPORTUNITY
        return records

    def build_customer(self) -> Customer:
        functional = self.subsidiary.currency
        foreign = roles.FOREIGN_CURRENCY in self.role_names or (
            self.reason is not None and self.reason.name == "FX_DIFFERENCE"
        )
        if self.reason is None and not self.roles:
            foreign = self.rng.random() < self.world.profile.foreign_share
        if foreign:
            code, country = FOREIGN_BILLING[functional.code]
            currency = self.world.seeds.currencies[code]
        else:
            currency = functional
            country = self.rng.choice(HOME_COUNTRIES.get(self.subsidiary.country, ("US",)))
        name = company_name(self.rng, country, self.number)
        parent_index = self.index - self.index % 10
        has_parent = self.index % 10 in (1, 2)
        parent_number = self.number - self.index + parent_index
        parent_sf = None
        parent_ns = None
        if has_parent:
            base = (parent_number + 1) * SALESFORCE_IDS_PER_CUSTOMER
            parent_sf = salesforce_id(ACCOUNT_PREFIX, self.world.salesforce_salt + base)
            parent_ns = 1000 + parent_number
        created = self.ts(0, 1, 9) - timedelta(days=self.rng.randint(20, 400))
        return Customer(
            subsidiary=self.subsidiary,
            index=self.index,
            number=self.number,
            currency=currency,
            name=name,
            country=country,
            salesforce_id=self.sf_id(ACCOUNT_PREFIX),
            stripe_id=self.st_id("cus_", 14),
            netsuite_id=1000 + self.number,
            parent_salesforce_id=parent_sf,
            parent_netsuite_id=parent_ns,
            created=created,
            invoice_prefix="".join(self.rng.choice("0123456789ABCDEF") for _ in range(8)),
            email=f"billing+{self.number}@customer{self.number}.example",
        )

    # --- contracts and subscriptions ---------------------------------------

    def build_subscriptions(self) -> None:
        profile = self.world.profile
        count = self.rng.randint(profile.min_subscriptions, profile.max_subscriptions)
        months = self.world.months
        pinned = self.reason is not None or bool(self.roles)
        for position in range(count):
            if position == 0 and pinned:
                start_month, end_month = 0, months
            else:
                start_month, end_month = self.draw_lifetime()
            self.build_subscription(position, start_month, end_month)
        if self.reason is not None and self.reason.name == "CONTRACT_NOT_BILLED":
            seats = self.rng.randint(5, 60)
            self.records.contracts.append(self.build_contract(1, seats, seats))

    def draw_lifetime(self) -> tuple[int, int]:
        months = self.world.months
        profile = self.world.profile
        if self.rng.random() < profile.first_month_share:
            start = 0
        else:
            start = self.rng.randint(0, months - 2)
        end = start + 1
        while end < months and self.rng.random() >= profile.monthly_churn:
            end += 1
        return start, end

    def build_contract(self, start_month: int, seats: int, contract_seats: int) -> Contract:
        catalog = self.world.catalog
        currency = self.records.customer.currency
        platform = catalog.price(catalog.by_code[PLATFORM], currency)
        seat = catalog.price(catalog.by_code[SEATS], currency)
        monthly = currency.to_major(platform.unit_amount + seat.unit_amount * contract_seats)
        start = self.world.month_first_day(start_month)
        activated = local_moment(self.zone, start, 17) - timedelta(days=5)
        contract_id = self.sf_id(CONTRACT_PREFIX)
        return Contract(
            id=contract_id,
            number=f"{self.number:06d}{self._salesforce_counters[CONTRACT_PREFIX]:02d}",
            opportunity_id=self.sf_id(OPPORTUNITY_PREFIX),
            start=start,
            seats=contract_seats,
            monthly_amount=monthly,
            created=activated - timedelta(days=2),
            activated=activated,
        )

    def build_subscription(self, position: int, start_month: int, end_month: int) -> None:
        catalog = self.world.catalog
        currency = self.records.customer.currency
        reason = self.reason.name if self.reason is not None and position == 0 else None
        variant = self.reason.variant if self.reason is not None else 0
        seats = self.rng.randint(5, 120)
        metered = self.rng.random() < METERED_SHARE or reason == "USAGE_NOT_BILLED"

        contract_seats = seats
        if reason == "CONTRACT_AMOUNT_MISMATCH":
            contract_seats = seats + (3 if variant == 0 else -2)
        contract = None
        reference = None
        if reason != "SUBSCRIPTION_WITHOUT_CONTRACT":
            contract = self.build_contract(start_month, seats, contract_seats)
            reference = contract.id
            self.records.contracts.append(contract)
        elif variant == 1:
            reference = self.sf_id(CONTRACT_PREFIX, MISSING_CONTRACT_OFFSET)

        start = self.world.month_start(start_month, self.zone)
        if reason == "CONTRACT_DATE_MISMATCH":
            start += timedelta(days=10 if variant == 0 else -8)
        created = start - timedelta(days=3) + timedelta(hours=9)

        def item(code: str, quantity: int | None) -> Item:
            price = catalog.price(catalog.by_code[code], currency)
            return Item(self.st_id("si_", 14), price, quantity, created)

        subscription = Subscription(
            id=self.st_id("sub_"),
            position=position,
            start_month=start_month,
            end_month=end_month,
            start=start,
            created=created,
            seats=seats,
            metered=metered,
            platform=item(PLATFORM, 1),
            seat_item=item(SEATS, seats),
            usage_item=item(API_USAGE, None) if metered else None,
            contract=contract,
            contract_reference=reference,
        )
        if end_month < self.world.months:
            subscription.ended_at = self.world.month_start(end_month, self.zone)
            subscription.canceled_at = subscription.ended_at - timedelta(days=10)

        if reason == "AMENDMENT_NOT_APPLIED" or (
            position == 0 and roles.AMENDMENT_APPLIED in self.role_names
        ):
            amend = True
        elif position > 0 or self.reason is None:
            # The first subscription of a customer with an injection stays unamended.
            amend = self.rng.random() < RANDOM_AMENDMENT
        else:
            amend = False
        if amend and contract is not None and end_month - start_month >= 3:
            self.amend(subscription, contract, applied=reason != "AMENDMENT_NOT_APPLIED")
        self.records.subscriptions.append(subscription)

    def amend(self, subscription: Subscription, contract: Contract, applied: bool) -> None:
        month = self.rng.randint(subscription.start_month + 1, subscription.end_month - 2)
        day = self.rng.randint(8, 20)
        effective = self.world.month_first_day(month).replace(day=day)
        new_seats = subscription.seats + self.rng.randint(5, 40)
        contract.amendment = Amendment(month, effective, new_seats, applied)
        contract.amendment_opportunity_id = self.sf_id(OPPORTUNITY_PREFIX)
        seat_price = subscription.seat_item.price
        currency = self.records.customer.currency
        contract.monthly_amount = currency.to_major(
            subscription.platform.price.unit_amount + seat_price.unit_amount * new_seats
        )
        if applied:
            subscription.replaced_seat_item = subscription.seat_item
            subscription.seat_item = Item(
                self.st_id("si_", 14),
                seat_price,
                new_seats,
                local_moment(self.zone, effective, 11, self.rng.randint(0, 59)),
            )

    # --- invoices -----------------------------------------------------------

    def build_invoices(self) -> None:
        for subscription in self.records.subscriptions:
            self.build_subscription_invoices(subscription)
        self.build_one_off_invoices()

    def seat_item_in(self, subscription: Subscription, month: int) -> Item:
        """Return the seat item billed for `month`: the replacement after an amendment."""
        contract = subscription.contract
        if (
            subscription.replaced_seat_item is not None
            and contract is not None
            and contract.amendment is not None
            and month <= contract.amendment.month
        ):
            return subscription.replaced_seat_item
        return subscription.seat_item

    def build_subscription_invoices(self, subscription: Subscription) -> None:
        skipped_usage = None
        reason = self.reason
        if reason is not None and reason.name == "USAGE_NOT_BILLED" and subscription.position == 0:
            skipped_usage = reason.month
        usage_by_month: dict[int, UsageSummary] = {}
        last_usage_month = min(subscription.end_month, self.world.months - 1)
        if subscription.usage_item is not None:
            for month in range(subscription.start_month, last_usage_month):
                usage_by_month[month] = UsageSummary(
                    self.st_id("sis_"),
                    subscription.usage_item,
                    self.world.month_start(month, self.zone),
                    self.world.month_start(month + 1, self.zone),
                    self.rng.randint(2_000, 40_000),
                )
            self.records.usage.extend(usage_by_month.values())

        final_month = subscription.end_month
        if subscription.end_month < self.world.months and subscription.usage_item is not None:
            final_month += 1
        for month in range(subscription.start_month, final_month):
            lines: list[Line] = []
            period_start = self.world.month_start(month, self.zone)
            period_end = self.world.month_start(month + 1, self.zone)
            if month < subscription.end_month:
                for item in (subscription.platform, self.seat_item_in(subscription, month)):
                    lines.append(
                        self.line(item, item.quantity or 0, period_start, period_end, subscription)
                    )
            lines.extend(self.proration_lines(subscription, month))
            usage = usage_by_month.get(month - 1)
            if usage is not None and month - 1 != skipped_usage:
                quantity = usage.total_usage
                lines.append(
                    self.line(
                        usage.item, quantity, usage.period_start, usage.period_end, subscription
                    )
                )
            if not lines:
                continue
            invoice = self.invoice(
                period_start + timedelta(minutes=self.rng.randint(20, 50)),
                lines,
                billing_reason="subscription_create"
                if month == subscription.start_month
                else "subscription_cycle",
                subscription=subscription,
            )
            invoice.month = month
            invoice.period_start = self.world.month_start(max(month - 1, 0), self.zone)
            invoice.period_end = period_start
            if usage is not None and month - 1 != skipped_usage:
                usage.invoice = invoice
            self.records.invoices.append(invoice)

        if subscription.position == 0 and roles.TZ_EDGE in self.role_names:
            self.onboarding_invoice(subscription, edge=True)
        elif self.rng.random() < RANDOM_ONBOARDING:
            edge = self.rng.random() < RANDOM_TZ_EDGE
            self.onboarding_invoice(subscription, edge=edge)

    def proration_lines(self, subscription: Subscription, month: int) -> list[Line]:
        contract = subscription.contract
        old = subscription.replaced_seat_item
        if contract is None or contract.amendment is None or old is None:
            return []
        if contract.amendment.month != month - 1:
            return []
        new = subscription.seat_item
        effective = new.created
        end = self.world.month_start(month, self.zone)
        begin = self.world.month_start(month - 1, self.zone)
        share = Decimal((end - effective).total_seconds()) / Decimal((end - begin).total_seconds())
        lines = []
        for item, sign, text in ((old, -1, "Unused time on"), (new, 1, "Remaining time on")):
            amount = (Decimal(item.price.unit_amount * (item.quantity or 0)) * share).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
            line = self.line(item, item.quantity or 0, effective, end, subscription)
            line.amount = sign * int(amount)
            line.proration = True
            line.description = f"{text} {item.quantity} {TIMES} {item.price.product.name}"
            lines.append(line)
        return lines

    def line(
        self,
        item: Item,
        quantity: int,
        start: datetime,
        end: datetime,
        subscription: Subscription | None,
    ) -> Line:
        return Line(
            id=self.st_id("il_"),
            price=item.price,
            quantity=quantity,
            amount=item.price.unit_amount * quantity,
            period_start=start,
            period_end=end,
            description=f"{quantity} {TIMES} {item.price.product.name}",
            subscription=subscription,
            item=item if subscription is not None else None,
        )

    def invoice(
        self,
        finalized: datetime,
        lines: list[Line],
        billing_reason: str,
        subscription: Subscription | None = None,
    ) -> Invoice:
        customer = self.records.customer
        number = len(self.records.invoices) + 1
        created = finalized - timedelta(minutes=20)
        return Invoice(
            id=self.st_id("in_"),
            number=f"{customer.invoice_prefix}-{number:04d}",
            customer=customer,
            currency=customer.currency,
            created=created,
            finalized=finalized,
            period_start=created,
            period_end=created,
            billing_reason=billing_reason,
            lines=lines,
            subscription=subscription,
        )

    def one_off_line(self, price_product, quantity: int, at: datetime) -> Line:
        price = self.world.catalog.price(price_product, self.records.customer.currency)
        line = self.line(Item("", price, quantity, at), quantity, at, at, None)
        line.invoice_item_id = self.st_id("ii_")
        return line

    def onboarding_invoice(self, subscription: Subscription, edge: bool) -> None:
        month = subscription.start_month
        if edge and month < self.world.months - 1:
            last_day = (self.world.month_first_day(month + 1) - timedelta(days=1)).day
            finalized = self.ts(month, last_day, 23, self.rng.randint(5, 55))
        else:
            finalized = self.ts(month, 3, 10, self.rng.randint(0, 59))
        product = self.world.catalog.by_code[ONBOARDING]
        line = self.one_off_line(product, 1, finalized)
        self.records.invoices.append(self.invoice(finalized, [line], "manual"))

    def build_one_off_invoices(self) -> None:
        for role in self.roles:
            if role.name != roles.UNMAPPED_BILLING:
                continue
            product = UNMAPPED_PRODUCTS[role.variant % len(UNMAPPED_PRODUCTS)]
            for month in sorted(self.rng.sample(range(1, self.world.months - 1), 2)):
                finalized = self.ts(month, 15, 14, self.rng.randint(0, 59))
                line = self.one_off_line(product, self.rng.randint(1, 3), finalized)
                self.records.invoices.append(self.invoice(finalized, [line], "manual"))

    # --- postings, voids and injections on invoices ------------------------

    def document_period_index(self, moment: datetime) -> int:
        period = period_of(self.world.periods, local_date(moment, self.zone))
        if period is None:
            raise ValueError(
                f"document at {moment.isoformat()} falls outside the generated periods"
            )
        return period.index

    def in_summary_set(self, invoice: Invoice) -> bool:
        key = (
            self.subsidiary.id,
            self.document_period_index(invoice.finalized),
            invoice.currency.code,
        )
        return key in self.world.plan.summary_sets

    def monthly_invoice(self, month: int) -> Invoice:
        for invoice in self.records.invoices:
            subscription = invoice.subscription
            if subscription is not None and subscription.position == 0 and invoice.month == month:
                return invoice
        raise LookupError(f"customer {self.number} has no invoice for month {month}")

    def eligible_invoices(self) -> list[Invoice]:
        """Monthly invoices of the first subscription that special records may use."""
        return [
            invoice
            for invoice in self.records.invoices
            if invoice.subscription is not None
            and invoice.subscription.position == 0
            and invoice.month is not None
            and 1 <= invoice.month < self.world.months - 1
            and invoice.posting == POSTED
            and not invoice.protected
            and invoice.voided_at is None
        ]

    def apply_invoice_roles(self) -> None:
        for invoice in self.records.invoices:
            if self.in_summary_set(invoice):
                invoice.posting = SUMMARIZED
        if self.reason is not None and self.reason.month is not None:
            month = self.reason.month
            if self.reason.name == "USAGE_NOT_BILLED":
                month += 1
            target = self.monthly_invoice(month)
            target.protected = True
            self.target = target
            if self.reason.name == "VOID_NOT_REVERSED":
                self.void(target, POSTED)

        for role in self.roles:
            if role.name in roles.VOID_ROLES:
                candidates = self.eligible_invoices()
                if candidates:
                    posting = {
                        roles.VOID_VOIDED: VOIDED_IN_GL,
                        roles.VOID_REVERSED: REVERSED_IN_GL,
                        roles.VOID_UNPOSTED: UNPOSTED,
                    }[role.name]
                    self.void(candidates[0], posting)
            elif role.name == roles.RULE_MATCH:
                for invoice in self.eligible_invoices()[:2]:
                    invoice.posting = RULE_POSTED

        if self.reason is None and not self.roles:
            for invoice in self.eligible_invoices():
                draw = self.rng.random()
                if draw < RANDOM_VOID:
                    self.void(invoice, self.rng.choice((VOIDED_IN_GL, REVERSED_IN_GL, UNPOSTED)))
                elif draw < RANDOM_VOID + RANDOM_RULE_MATCH:
                    invoice.posting = RULE_POSTED

    def void(self, invoice: Invoice, posting: str) -> None:
        invoice.voided_at = invoice.finalized + timedelta(days=2, hours=3)
        invoice.posting = posting
        invoice.protected = True

    # --- payments and credit notes -----------------------------------------

    def build_payments(self) -> None:
        invoices = sorted(
            self.records.invoices, key=lambda invoice: (invoice.finalized, invoice.id)
        )
        want_partial = roles.PARTIAL_PAYMENT in self.role_names
        want_pair = roles.ONE_TO_MANY in self.role_names
        want_credit = roles.CREDIT_NOTE in self.role_names
        plain = self.reason is not None
        position = 0
        while position < len(invoices):
            invoice = invoices[position]
            position += 1
            if invoice.voided_at is not None:
                continue
            if invoice.protected:
                mode = (
                    "unpaid"
                    if self.reason and self.reason.name == "RESTATED_AFTER_SIGNOFF"
                    else "single"
                )
            elif want_partial and invoice.month:
                mode, want_partial = "partial", False
            elif want_pair and invoice.month:
                mode, want_pair = "pair", False
            elif plain:
                mode = "unpaid" if self.rng.random() < RANDOM_UNPAID else "single"
            else:
                draw = self.rng.random()
                mode = "single"
                if draw < RANDOM_UNPAID:
                    mode = "unpaid"
                elif draw < RANDOM_UNPAID + RANDOM_PARTIAL:
                    mode = "partial"
                elif draw < RANDOM_UNPAID + RANDOM_PARTIAL + RANDOM_PAIR:
                    mode = "pair"

            if mode == "unpaid":
                continue
            if mode == "pair":
                partner = self.pair_partner(invoices, position)
                if partner is None:
                    mode = "single"
                else:
                    invoices.remove(partner)
                    moment = partner.finalized + timedelta(days=self.rng.randint(1, 3), hours=2)
                    self.charge([(invoice, invoice.total), (partner, partner.total)], moment)
                    continue
            if mode == "partial":
                first = invoice.total * self.rng.randint(30, 70) // 100
                moment = invoice.finalized + timedelta(days=self.rng.randint(2, 5), hours=1)
                self.charge([(invoice, first)], moment)
                later = moment + timedelta(days=self.rng.randint(18, 30))
                self.charge([(invoice, invoice.total - first)], later)
                continue
            moment = invoice.finalized + timedelta(
                days=self.rng.randint(1, 6), hours=self.rng.randint(0, 12)
            )
            charge = self.charge([(invoice, invoice.total)], moment)
            if charge is None:
                continue
            credit = want_credit and not invoice.protected
            credit = credit or (
                not plain and not invoice.protected and self.rng.random() < RANDOM_CREDIT_NOTE
            )
            credit = credit or (
                self.reason is not None
                and self.reason.name == "INVOICE_NOT_POSTED"
                and self.reason.variant == 1
                and invoice.protected
            )
            if credit and self.credit_note(invoice, charge) is not None and not invoice.protected:
                want_credit = False

    def pair_partner(self, invoices: list[Invoice], start: int) -> Invoice | None:
        for candidate in invoices[start:]:
            if candidate.voided_at is None and not candidate.protected:
                return candidate
        return None

    def charge(self, parts: list[tuple[Invoice, int]], moment: datetime) -> Charge | None:
        """Create a charge paying `parts` at `moment`, unless that is after the snapshot."""
        if not self.settles(moment):
            return None
        customer = self.records.customer
        charge = Charge(
            id=self.st_id("ch_"),
            customer=customer,
            currency=customer.currency,
            amount=sum(amount for _, amount in parts),
            created=moment,
            payment_intent=self.st_id("pi_"),
            balance_transaction=self.st_id("txn_"),
        )
        for invoice, amount in parts:
            charge.payments.append(InvoicePayment(self.st_id("inpay_"), invoice, amount, moment))
            invoice.amount_paid += amount
            if invoice.amount_paid >= invoice.total:
                invoice.paid_at = moment
        self.records.charges.append(charge)
        return charge

    def credit_note(self, invoice: Invoice, charge: Charge) -> CreditNote | None:
        moment = charge.created + timedelta(days=self.rng.randint(3, 12), hours=1)
        if not self.settles(moment):
            return None
        # Credit part of the seats line, or of the largest line of a one-off invoice.
        seat_lines = [
            line
            for line in invoice.lines
            if line.price.product.salesforce_code == SEATS and not line.proration
        ]
        line = seat_lines[0] if seat_lines else max(invoice.lines, key=lambda item: item.amount)
        amount = max(1, line.amount * self.rng.randint(10, 40) // 100)
        refund = Refund(self.st_id("re_"), amount, moment, self.st_id("txn_"))
        note = CreditNote(
            id=self.st_id("cn_"),
            number=f"{invoice.number}-CN-01",
            invoice=invoice,
            created=moment,
            lines=[CreditNoteLine(self.st_id("cnli_"), line, amount)],
            reason="order_change",
            refund=refund,
        )
        refund.credit_note = note
        charge.refunds.append(refund)
        invoice.credited += amount
        self.records.credit_notes.append(note)
        return note

    # --- answer key ---------------------------------------------------------

    def apply_answers(self) -> None:
        reason = self.reason
        if reason is None:
            return
        records = self.records
        customer = records.customer
        currency = customer.currency
        code = reason.name

        def answer(source: str, kind: str, source_id: str, difference: str) -> None:
            records.answers.append(AnswerRow(source, kind, source_id, code, difference))

        first = records.subscriptions[0] if records.subscriptions else None
        if code == "CONTRACT_NOT_BILLED":
            contract = records.contracts[-1]
            answer("salesforce", "contract", contract.id, str(-contract.monthly_amount))
        elif code == "SUBSCRIPTION_WITHOUT_CONTRACT":
            value = currency.to_major(first.monthly_value_minor())
            answer("stripe", "subscription", first.id, str(value))
        elif code in ("CONTRACT_AMOUNT_MISMATCH", "AMENDMENT_NOT_APPLIED"):
            value = currency.to_major(first.monthly_value_minor())
            contract = first.contract
            answer("salesforce", "contract", contract.id, str(value - contract.monthly_amount))
        elif code == "CONTRACT_DATE_MISMATCH":
            days = (local_date(first.start, self.zone) - first.contract.start).days
            answer("salesforce", "contract", first.contract.id, str(days))
        elif code == "CUSTOMER_MASTER_DRIFT":
            records.drift = "netsuite_name" if reason.variant == 0 else "stripe_country"
            answer("salesforce", "account", customer.salesforce_id, "0")
        elif code == "RESTATED_AFTER_SIGNOFF":
            answer("stripe", "invoice", self.target.id, "0")
        elif code == "USAGE_NOT_BILLED":
            usage = next(
                summary
                for summary in records.usage
                if summary.item is first.usage_item
                and summary.invoice is None
                and local_date(summary.period_start, self.zone)
                == self.world.month_first_day(reason.month)
            )
            price = usage.item.price
            answer(
                "stripe",
                "usage_record_summary",
                usage.id,
                str(-currency.to_major(usage.total_usage * price.unit_amount)),
            )
        elif code in ("PAYMENT_NOT_POSTED", "PAYMENT_AMOUNT_MISMATCH"):
            charge = next(c for c in records.charges if c.payments[0].invoice is self.target)
            if code == "PAYMENT_NOT_POSTED":
                charge.posting = UNPOSTED
                answer("stripe", "charge", charge.id, str(-currency.to_major(charge.amount)))
            else:
                delta = currency.to_minor(
                    Decimal("-15.00") if reason.variant == 0 else Decimal("7.50")
                )
                charge.gl_amount_delta = delta
                answer("stripe", "charge", charge.id, str(currency.to_major(delta)))
        elif code == "INVOICE_NOT_POSTED" and reason.variant == 1:
            note = next(n for n in records.credit_notes if n.invoice is self.target)
            note.posting = UNPOSTED
            answer("stripe", "credit_note", note.id, str(currency.to_major(note.total)))
        else:
            # Invoice-level GL injections: postings.py computes their GL amounts.
            records.gl_injections[self.target.id] = (code, reason.variant)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
