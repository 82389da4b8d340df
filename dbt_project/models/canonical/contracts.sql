with

contracts as (

    select * from {{ ref('stg_salesforce__contracts') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

final as (

    select
        contracts.contract_id,
        contracts.contract_number,
        contracts.account_id as customer_id,
        accounts.subsidiary_id,
        contracts.contract_status,
        contracts.contract_status = 'Activated' as is_activated,
        contracts.start_date,
        contracts.end_date,
        contracts.contract_term_months,
        contracts.currency_code,
        contracts.monthly_amount,
        contracts.last_amendment_date as amendment_date,
        contracts.last_amendment_date is not null as is_amended,
        contracts.opportunity_id,
        contracts.activated_at,
        contracts.snapshot_at
    from contracts
    left join accounts
        on contracts.account_id = accounts.account_id

)

select * from final
