with

source as (

    {{ latest_snapshot_rows('salesforce', 'opportunity') }}

),

opportunities as (

    select
        id as opportunity_id,
        account_id,
        name as opportunity_name,
        stage_name,
        coalesce(is_won, false) as is_won,
        coalesce(is_closed, false) as is_closed,
        close_date,
        type as opportunity_type,
        upper(currency_iso_code) as currency_code,
        amount,
        contract_id,
        created_date as created_at,
        last_modified_date as last_modified_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source
    where not coalesce(is_deleted, false)

),

final as (

    select * from opportunities

)

select * from final
