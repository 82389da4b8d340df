with

source as (

    {{ latest_snapshot_rows('netsuite', 'transaction') }}

),

transactions as (

    select
        id as transaction_id,
        tranid as transaction_number,
        type as transaction_type,
        trandate as transaction_date,
        postingperiod as accounting_period_id,
        subsidiary as subsidiary_id,
        entity as customer_id,
        currency as currency_id,
        exchangerate as exchange_rate,
        foreigntotal as foreign_total,
        nullif(externalid, '') as external_id,
        memo,
        status as transaction_status,
        coalesce(voided, false) as is_voided,
        reversal as reversal_transaction_id,
        createddate as created_at,
        lastmodifieddate as last_modified_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from transactions

)

select * from final
