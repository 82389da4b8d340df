with

source as (

    {{ latest_snapshot_rows('netsuite', 'customer') }}

),

customers as (

    select
        id as customer_id,
        entityid as entity_id,
        companyname as company_name,
        nullif(externalid, '') as salesforce_account_id,
        subsidiary as subsidiary_id,
        currency as currency_id,
        parent as parent_customer_id,
        upper(billcountry) as country_code,
        coalesce(isinactive, false) as is_inactive,
        lastmodifieddate as last_modified_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from customers

)

select * from final
