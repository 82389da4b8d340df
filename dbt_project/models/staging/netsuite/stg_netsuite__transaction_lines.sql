with

source as (

    {{ latest_snapshot_rows('netsuite', 'transaction_line') }}

),

transaction_lines as (

    select
        transaction as transaction_id,
        id as line_id,
        coalesce(mainline, false) as is_main_line,
        subsidiary as subsidiary_id,
        account as account_id,
        item as item_id,
        class as class_name,
        department as department_name,
        location as location_name,
        taxcode as tax_code,
        entity as customer_id,
        memo,
        coalesce(debitforeignamount, 0) as debit_foreign_amount,
        coalesce(creditforeignamount, 0) as credit_foreign_amount,
        coalesce(debit, 0) as debit_amount,
        coalesce(credit, 0) as credit_amount,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from transaction_lines

)

select * from final
