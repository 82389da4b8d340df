-- A deleted Stripe customer keeps only its id and `deleted: true`. It stays here,
-- flagged, because invoices and charges still name it.
with

source as (

    {{ latest_snapshot_rows('stripe', 'customer') }}

),

customers as (

    select
        id as customer_id,
        name as customer_name,
        email,
        upper(currency) as currency_code,
        upper(address_country) as country_code,
        coalesce(deleted, false) as is_deleted,
        nullif(salesforce_account_id, '') as salesforce_account_id,
        nullif(netsuite_customer_id, '') as netsuite_customer_id,
        {{ dbt.safe_cast("nullif(subsidiary, '')", dbt.type_int()) }} as subsidiary_id,
        created as created_at,
        coalesce(livemode, false) as is_livemode,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from customers

)

select * from final
