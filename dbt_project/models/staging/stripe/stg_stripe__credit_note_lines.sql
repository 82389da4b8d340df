-- depends_on: {{ source('stripe', 'credit_note') }}
-- The rows arrive in the load of their parent object, so lineage starts there.
with

source as (

    {{ latest_snapshot_rows('stripe', 'credit_note_line', 'credit_note') }}

),

credit_note_lines as (

    select
        id as credit_note_line_id,
        credit_note as credit_note_id,
        invoice_line_item as invoice_line_id,
        description,
        quantity,
        upper(currency) as currency_code,
        amount,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from credit_note_lines

)

select * from final
