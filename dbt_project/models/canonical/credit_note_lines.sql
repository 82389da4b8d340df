-- Credit note lines take their product and GL dimensions from the invoice line
-- they credit. Amounts are negative, like the credit note.
with

credit_note_lines as (

    select * from {{ ref('stg_stripe__credit_note_lines') }}

),

credit_notes as (

    select * from {{ ref('credit_notes') }}

),

invoice_lines as (

    select * from {{ ref('invoice_lines') }}

),

product_mapping as (

    select * from {{ ref('product_mapping') }}

),

tax_codes as (

    select * from {{ ref('tax_codes') }}

),

suspense_account as (

    select min(account_number) as account_number
    from {{ ref('gl_accounts') }}
    where account_role = 'suspense'

),

final as (

    select
        credit_notes.document_id,
        credit_notes.document_type,
        credit_note_lines.credit_note_line_id as line_id,
        credit_notes.subsidiary_id,
        credit_notes.customer_id,
        coalesce(credit_note_lines.currency_code, credit_notes.currency_code) as currency,
        -credit_note_lines.amount as amount,
        invoice_lines.product_id,
        product_mapping.product_family,
        coalesce(product_mapping.revenue_account_number, suspense_account.account_number)
            as revenue_account_number,
        coalesce(tax_codes.tax_code, invoice_lines.tax_code) as tax_code,
        credit_notes.document_date,
        credit_notes.period,
        credit_notes.salesforce_contract_id,
        product_mapping.stripe_product_id is not null as is_product_mapped,
        credit_note_lines.description,
        credit_note_lines.quantity,
        credit_note_lines.invoice_line_id,
        credit_notes.invoice_id,
        credit_notes.accounting_period_id,
        credit_notes.is_void
    from credit_note_lines
    inner join credit_notes
        on credit_note_lines.credit_note_id = credit_notes.document_id
    left join invoice_lines
        on credit_note_lines.invoice_line_id = invoice_lines.line_id
    left join product_mapping
        on invoice_lines.product_id = product_mapping.stripe_product_id
    left join tax_codes
        on
            credit_notes.subsidiary_id = tax_codes.subsidiary_id
            and product_mapping.product_family = tax_codes.product_family
    cross join suspense_account

)

select * from final
