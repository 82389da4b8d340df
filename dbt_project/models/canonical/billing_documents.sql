-- Invoices and credit notes in one relation, signed from the receivable's point
-- of view (invoices positive, credit notes negative).
with

invoices as (

    select * from {{ ref('invoices') }}

),

credit_notes as (

    select * from {{ ref('credit_notes') }}

),

invoice_documents as (

    select
        document_id,
        document_type,
        invoice_number as document_number,
        stripe_customer_id,
        customer_id,
        subsidiary_id,
        salesforce_contract_id,
        status,
        is_finalized,
        is_void,
        currency_code,
        amount,
        document_at,
        document_date,
        accounting_period_id,
        period,
        time_zone,
        functional_currency,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        snapshot_at
    from invoices

),

credit_note_documents as (

    select
        document_id,
        document_type,
        credit_note_number as document_number,
        stripe_customer_id,
        customer_id,
        subsidiary_id,
        salesforce_contract_id,
        status,
        true as is_finalized,
        is_void,
        currency_code,
        amount,
        document_at,
        document_date,
        accounting_period_id,
        period,
        time_zone,
        functional_currency,
        invoice_id,
        snapshot_at
    from credit_notes

),

final as (

    select * from invoice_documents
    union all
    select * from credit_note_documents

)

select * from final
