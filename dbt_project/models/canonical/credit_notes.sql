-- A credit note is dated by `effective_at`, falling back to `created`, in the
-- subsidiary's time zone. Its amount is negative: it reduces the receivable.
with

credit_notes as (

    select * from {{ ref('stg_stripe__credit_notes') }}

),

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

dated_credit_notes as (

    select
        credit_notes.*,
        coalesce(credit_notes.customer_id, invoices.customer_id) as stripe_customer_id,
        invoices.salesforce_contract_id,
        crosswalk.customer_id as tieout_customer_id,
        crosswalk.subsidiary_id,
        subsidiaries.time_zone,
        subsidiaries.functional_currency,
        coalesce(credit_notes.effective_at, credit_notes.created_at) as document_at,
        {{ to_local_date(
            'coalesce(credit_notes.effective_at, credit_notes.created_at)',
            'subsidiaries.time_zone'
        ) }} as document_date
    from credit_notes
    left join invoices
        on credit_notes.invoice_id = invoices.invoice_id
    left join crosswalk
        on
            coalesce(credit_notes.customer_id, invoices.customer_id)
            = crosswalk.source_customer_id
    left join subsidiaries
        on crosswalk.subsidiary_id = subsidiaries.subsidiary_id

),

final as (

    select
        dated_credit_notes.credit_note_id as document_id,
        'credit_note' as document_type,
        dated_credit_notes.credit_note_number,
        dated_credit_notes.invoice_id,
        dated_credit_notes.stripe_customer_id,
        dated_credit_notes.tieout_customer_id as customer_id,
        dated_credit_notes.subsidiary_id,
        dated_credit_notes.salesforce_contract_id,
        dated_credit_notes.credit_note_status as status,
        dated_credit_notes.credit_note_status = 'void' as is_void,
        dated_credit_notes.credit_note_type,
        dated_credit_notes.reason,
        dated_credit_notes.currency_code,
        -dated_credit_notes.subtotal as subtotal,
        -dated_credit_notes.total as total,
        -dated_credit_notes.total as amount,
        dated_credit_notes.document_at,
        dated_credit_notes.voided_at,
        dated_credit_notes.document_date,
        periods.accounting_period_id,
        coalesce(periods.period, {{ period_label('dated_credit_notes.document_date') }})
            as period,
        dated_credit_notes.time_zone,
        dated_credit_notes.functional_currency,
        dated_credit_notes.snapshot_at
    from dated_credit_notes
    left join periods
        on dated_credit_notes.document_date between periods.start_date and periods.end_date

)

select * from final
