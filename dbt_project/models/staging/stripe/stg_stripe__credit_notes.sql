with

source as (

    {{ latest_snapshot_rows('stripe', 'credit_note') }}

),

credit_notes as (

    select
        id as credit_note_id,
        number as credit_note_number,
        invoice as invoice_id,
        customer as customer_id,
        status as credit_note_status,
        type as credit_note_type,
        reason,
        upper(currency) as currency_code,
        subtotal,
        total,
        created as created_at,
        effective_at,
        voided_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from credit_notes

)

select * from final
