with

source as (

    {{ latest_snapshot_rows('stripe', 'invoice') }}

),

invoices as (

    select
        id as invoice_id,
        number as invoice_number,
        customer as customer_id,
        subscription as subscription_id,
        status as invoice_status,
        upper(currency) as currency_code,
        subtotal,
        tax,
        total,
        amount_due,
        amount_paid,
        amount_remaining,
        created as created_at,
        effective_at,
        due_date as due_at,
        period_start as period_started_at,
        period_end as period_ended_at,
        finalized_at,
        paid_at,
        voided_at,
        nullif(salesforce_contract_id, '') as salesforce_contract_id,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from invoices

)

select * from final
