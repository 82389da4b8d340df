with

source as (

    {{ latest_snapshot_rows('salesforce', 'contract') }}

),

contracts as (

    select
        id as contract_id,
        account_id,
        contract_number,
        status as contract_status,
        start_date,
        end_date,
        contract_term as contract_term_months,
        upper(currency_iso_code) as currency_code,
        monthly_amount,
        opportunity_id,
        last_amendment_date,
        activated_date as activated_at,
        created_date as created_at,
        last_modified_date as last_modified_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source
    where not coalesce(is_deleted, false)

),

final as (

    select * from contracts

)

select * from final
