-- Stripe charges as customer payments. `amount` is the positive amount received,
-- as the payments pair compares it; `receivable_amount` is its signed effect on
-- the receivable (negative).
with

charges as (

    select * from {{ ref('stg_stripe__charges') }}

),

invoice_payments as (

    select * from {{ ref('stg_stripe__invoice_payments') }}

),

crosswalk as (

    select * from {{ ref('customer_crosswalk') }}
    where source_system = 'stripe'

),

subsidiaries as (

    select * from {{ ref('canonical_subsidiaries') }}

),

periods as (

    select * from {{ ref('accounting_periods') }}

),

applications as (

    select
        charge_id,
        count(*) as application_count,
        sum(amount_paid) as amount_applied
    from invoice_payments
    where charge_id is not null and coalesce(invoice_payment_status, 'paid') = 'paid'
    group by charge_id

),

dated_charges as (

    select
        charges.*,
        crosswalk.customer_id as tieout_customer_id,
        crosswalk.subsidiary_id,
        subsidiaries.time_zone,
        subsidiaries.functional_currency,
        {{ to_local_date('charges.created_at', 'subsidiaries.time_zone') }} as document_date
    from charges
    left join crosswalk
        on charges.customer_id = crosswalk.source_customer_id
    left join subsidiaries
        on crosswalk.subsidiary_id = subsidiaries.subsidiary_id

),

final as (

    select
        dated_charges.charge_id as payment_id,
        dated_charges.customer_id as stripe_customer_id,
        dated_charges.tieout_customer_id as customer_id,
        dated_charges.subsidiary_id,
        dated_charges.charge_status as status,
        dated_charges.charge_status = 'succeeded' as is_succeeded,
        dated_charges.currency_code,
        dated_charges.amount,
        -dated_charges.amount as receivable_amount,
        dated_charges.amount_refunded,
        coalesce(applications.application_count, 0) as application_count,
        coalesce(applications.amount_applied, 0) as amount_applied,
        dated_charges.balance_transaction_id,
        dated_charges.payment_intent_id,
        dated_charges.created_at as document_at,
        dated_charges.document_date,
        periods.accounting_period_id,
        coalesce(periods.period, {{ period_label('dated_charges.document_date') }}) as period,
        dated_charges.time_zone,
        dated_charges.functional_currency,
        dated_charges.snapshot_at
    from dated_charges
    left join applications
        on dated_charges.charge_id = applications.charge_id
    left join periods
        on dated_charges.document_date between periods.start_date and periods.end_date

)

select * from final
