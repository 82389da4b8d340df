-- NetSuite transactions with their accounts-receivable effect. `ar_amount` is the
-- AR lines' debit minus credit in transaction currency, `ar_amount_functional`
-- the same in the subsidiary's functional currency. A transaction counts as
-- reversed when it names a reversal or another transaction names it as one, so
-- both halves of a reversal pair drop out of the live postings.
with

transactions as (

    select * from {{ ref('stg_netsuite__transactions') }}

),

gl_lines as (

    select * from {{ ref('gl_lines') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

periods as (

    select * from {{ ref('accounting_periods') }}

),

subsidiaries as (

    select * from {{ ref('canonical_subsidiaries') }}

),

crosswalk as (

    select * from {{ ref('customer_crosswalk') }}
    where source_system = 'netsuite'

),

ar_totals as (

    select
        transaction_id,
        count(*) as ar_line_count,
        sum(amount) as ar_amount,
        sum(amount_functional) as ar_amount_functional
    from gl_lines
    where is_accounts_receivable
    group by transaction_id

),

reversed_transactions as (

    select distinct reversal_transaction_id as transaction_id
    from transactions
    where reversal_transaction_id is not null

),

final as (

    select
        transactions.transaction_id,
        transactions.transaction_number,
        transactions.transaction_type,
        transactions.transaction_date,
        transactions.accounting_period_id,
        periods.period,
        transactions.subsidiary_id,
        subsidiaries.functional_currency,
        transactions.customer_id as netsuite_customer_id,
        crosswalk.customer_id,
        currencies.currency_code,
        transactions.exchange_rate,
        transactions.foreign_total,
        transactions.external_id,
        case
            when transactions.external_id like 'in\_%' then 'invoice'
            when transactions.external_id like 'cn\_%' then 'credit_note'
            when transactions.external_id like 'ch\_%' then 'charge'
            when transactions.external_id is null then 'none'
            else 'other'
        end as external_id_kind,
        transactions.memo,
        transactions.transaction_status as status,
        transactions.is_voided,
        transactions.reversal_transaction_id,
        transactions.reversal_transaction_id is not null
        or reversed_transactions.transaction_id is not null as is_reversed,
        not transactions.is_voided
        and transactions.reversal_transaction_id is null
        and reversed_transactions.transaction_id is null as is_live,
        coalesce(ar_totals.ar_line_count, 0) as ar_line_count,
        coalesce(ar_totals.ar_amount, 0) as ar_amount,
        coalesce(ar_totals.ar_amount_functional, 0) as ar_amount_functional,
        transactions.created_at,
        transactions.snapshot_at
    from transactions
    left join ar_totals
        on transactions.transaction_id = ar_totals.transaction_id
    left join reversed_transactions
        on transactions.transaction_id = reversed_transactions.transaction_id
    left join currencies
        on transactions.currency_id = currencies.netsuite_currency_id
    left join periods
        on transactions.accounting_period_id = periods.accounting_period_id
    left join subsidiaries
        on transactions.subsidiary_id = subsidiaries.subsidiary_id
    left join crosswalk
        on
            {{ dbt.safe_cast('transactions.customer_id', dbt.type_string()) }}
            = crosswalk.source_customer_id

)

select * from final
