with

source as (

    {{ latest_snapshot_rows('netsuite', 'account') }}

),

accounts as (

    select
        id as account_id,
        acctnumber as account_number,
        accountsearchdisplayname as account_name,
        accttype as account_type,
        coalesce(isinactive, false) as is_inactive,
        coalesce(issummary, false) as is_summary,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from accounts

)

select * from final
