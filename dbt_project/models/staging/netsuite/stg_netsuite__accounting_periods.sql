with

source as (

    {{ latest_snapshot_rows('netsuite', 'accounting_period') }}

),

accounting_periods as (

    select
        id as accounting_period_id,
        periodname as period_name,
        startdate as start_date,
        enddate as end_date,
        coalesce(isposting, false) as is_posting,
        coalesce(isquarter, false) as is_quarter,
        coalesce(isyear, false) as is_year,
        coalesce(closed, false) as is_closed,
        coalesce(arlocked, false) as is_ar_locked,
        coalesce(alllocked, false) as is_all_locked,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from accounting_periods

)

select * from final
