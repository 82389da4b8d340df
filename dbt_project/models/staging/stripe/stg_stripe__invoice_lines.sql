-- depends_on: {{ source('stripe', 'invoice') }}
-- The rows arrive in the load of their parent object, so lineage starts there.
with

source as (

    {{ latest_snapshot_rows('stripe', 'invoice_line', 'invoice') }}

),

invoice_lines as (

    select
        id as invoice_line_id,
        invoice as invoice_id,
        upper(currency) as currency_code,
        amount,
        description,
        quantity,
        price_id,
        product_id,
        subscription as subscription_id,
        subscription_item as subscription_item_id,
        coalesce(proration, false) as is_proration,
        nullif(tax_code, '') as tax_code,
        period_start as period_started_at,
        period_end as period_ended_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from invoice_lines

)

select * from final
