-- Invoice and credit note lines in one relation: the line contract that posting
-- builds journal proposals from. Credit note lines are negative.
with

invoice_lines as (

    select * from {{ ref('invoice_lines') }}

),

credit_note_lines as (

    select * from {{ ref('credit_note_lines') }}

),

invoice_document_lines as (

    select
        document_id,
        document_type,
        line_id,
        subsidiary_id,
        customer_id,
        currency,
        amount,
        product_id,
        product_family,
        revenue_account_number,
        tax_code,
        document_date,
        period,
        salesforce_contract_id,
        is_product_mapped,
        description,
        quantity,
        accounting_period_id,
        is_void
    from invoice_lines

),

credit_note_document_lines as (

    select
        document_id,
        document_type,
        line_id,
        subsidiary_id,
        customer_id,
        currency,
        amount,
        product_id,
        product_family,
        revenue_account_number,
        tax_code,
        document_date,
        period,
        salesforce_contract_id,
        is_product_mapped,
        description,
        quantity,
        accounting_period_id,
        is_void
    from credit_note_lines

),

final as (

    select * from invoice_document_lines
    union all
    select * from credit_note_document_lines

)

select * from final
