with

source as (

    {{ latest_snapshot_rows('salesforce', 'account') }}

),

accounts as (

    select
        id as account_id,
        name as account_name,
        billing_country,
        upper(currency_iso_code) as currency_code,
        parent_id as parent_account_id,
        {{ dbt.safe_cast('subsidiary', dbt.type_int()) }} as subsidiary_id,
        created_date as created_at,
        last_modified_date as last_modified_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source
    where not coalesce(is_deleted, false)

),

final as (

    select * from accounts

)

select * from final
