-- Posting periods only: NetSuite also exports quarters and years, which contain
-- the months and would match every document date a second and third time.
with

periods as (

    select * from {{ ref('stg_netsuite__accounting_periods') }}

),

final as (

    select
        accounting_period_id,
        {{ period_label('start_date') }} as period,
        period_name,
        start_date,
        end_date,
        is_closed,
        is_ar_locked,
        is_all_locked
    from periods
    where is_posting and not is_quarter and not is_year

)

select * from final
