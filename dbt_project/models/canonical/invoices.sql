-- Document date and period are decided in the subsidiary's time zone: an invoice
-- finalized at 23:30 on 31 October in Los Angeles (06:30 on 1 November UTC)
-- belongs to October.
with

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

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

dated_invoices as (

    select
        invoices.*,
        crosswalk.customer_id as tieout_customer_id,
        crosswalk.subsidiary_id,
        subsidiaries.time_zone,
        subsidiaries.functional_currency,
        {{ to_local_date('invoices.finalized_at', 'subsidiaries.time_zone') }}
            as document_date
    from invoices
    left join crosswalk
        on invoices.customer_id = crosswalk.source_customer_id
    left join subsidiaries
        on crosswalk.subsidiary_id = subsidiaries.subsidiary_id

),

final as (

    select
        dated_invoices.invoice_id as document_id,
        'invoice' as document_type,
        dated_invoices.invoice_number,
        dated_invoices.customer_id as stripe_customer_id,
        dated_invoices.tieout_customer_id as customer_id,
        dated_invoices.subsidiary_id,
        dated_invoices.subscription_id,
        dated_invoices.salesforce_contract_id,
        dated_invoices.invoice_status as status,
        dated_invoices.finalized_at is not null
        and dated_invoices.invoice_status in ('open', 'paid', 'uncollectible', 'void')
            as is_finalized,
        dated_invoices.invoice_status = 'void' as is_void,
        dated_invoices.currency_code,
        dated_invoices.subtotal,
        dated_invoices.tax,
        dated_invoices.total,
        -- Signed from the receivable's point of view: an invoice adds to it.
        dated_invoices.total as amount,
        dated_invoices.amount_paid,
        dated_invoices.amount_remaining,
        dated_invoices.finalized_at as document_at,
        dated_invoices.voided_at,
        dated_invoices.document_date,
        periods.accounting_period_id,
        coalesce(periods.period, {{ period_label('dated_invoices.document_date') }}) as period,
        dated_invoices.time_zone,
        dated_invoices.functional_currency,
        dated_invoices.period_started_at,
        dated_invoices.period_ended_at,
        dated_invoices.snapshot_at
    from dated_invoices
    left join periods
        on dated_invoices.document_date between periods.start_date and periods.end_date

)

select * from final
