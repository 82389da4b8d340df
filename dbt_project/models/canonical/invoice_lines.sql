-- Invoice lines with the GL dimensions they post to. A product without a row in
-- product_mapping posts to the suspense revenue account and has no family.
with

invoice_lines as (

    select * from {{ ref('stg_stripe__invoice_lines') }}

),

invoices as (

    select * from {{ ref('invoices') }}

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
        invoices.document_id,
        invoices.document_type,
        invoice_lines.invoice_line_id as line_id,
        invoices.subsidiary_id,
        invoices.customer_id,
        coalesce(invoice_lines.currency_code, invoices.currency_code) as currency,
        invoice_lines.amount,
        invoice_lines.product_id,
        product_mapping.product_family,
        coalesce(product_mapping.revenue_account_number, suspense_account.account_number)
            as revenue_account_number,
        coalesce(tax_codes.tax_code, invoice_lines.tax_code) as tax_code,
        invoices.document_date,
        invoices.period,
        invoices.salesforce_contract_id,
        product_mapping.stripe_product_id is not null as is_product_mapped,
        invoice_lines.description,
        invoice_lines.quantity,
        invoice_lines.price_id,
        coalesce(invoice_lines.subscription_id, invoices.subscription_id) as subscription_id,
        invoice_lines.subscription_item_id,
        invoice_lines.is_proration,
        invoice_lines.period_started_at,
        invoice_lines.period_ended_at,
        invoices.accounting_period_id,
        invoices.is_finalized,
        invoices.is_void
    from invoice_lines
    inner join invoices
        on invoice_lines.invoice_id = invoices.document_id
    left join product_mapping
        on invoice_lines.product_id = product_mapping.stripe_product_id
    left join tax_codes
        on
            invoices.subsidiary_id = tax_codes.subsidiary_id
            and product_mapping.product_family = tax_codes.product_family
    cross join suspense_account

)

select * from final
