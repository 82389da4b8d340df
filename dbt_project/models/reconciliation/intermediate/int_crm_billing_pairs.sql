-- Salesforce contracts next to the Stripe subscription that references them
-- through metadata.salesforce_contract_id. A contract referenced by several
-- subscriptions pairs with one: a live one first, then the newest.
with

contracts as (

    select * from {{ ref('contracts') }}

),

subscriptions as (

    select * from {{ ref('subscriptions') }}
    where subscription_status != 'incomplete_expired'

),

ranked_subscriptions as (

    select
        subscriptions.*,
        row_number() over (
            partition by subscriptions.salesforce_contract_id
            order by
                case
                    when
                        subscriptions.subscription_status
                        in ('active', 'trialing', 'past_due', 'unpaid')
                        then 0
                    else 1
                end,
                subscriptions.created_at desc,
                subscriptions.subscription_id asc
        ) as subscription_rank,
        count(*) over (
            partition by subscriptions.salesforce_contract_id
        ) as referencing_subscription_count
    from subscriptions
    where subscriptions.salesforce_contract_id is not null

),

final as (

    select
        contracts.contract_id,
        contracts.customer_id,
        contracts.subsidiary_id,
        contracts.contract_status,
        contracts.is_activated,
        contracts.start_date as contract_start_date,
        contracts.currency_code as contract_currency_code,
        contracts.monthly_amount as contract_monthly_amount,
        contracts.amendment_date,
        contracts.snapshot_at,
        ranked_subscriptions.subscription_id,
        ranked_subscriptions.subscription_status,
        ranked_subscriptions.currency_code as subscription_currency_code,
        ranked_subscriptions.monthly_value as subscription_monthly_value,
        ranked_subscriptions.start_date as subscription_start_date,
        ranked_subscriptions.last_changed_at as subscription_last_changed_at,
        {{ to_local_date(
            'ranked_subscriptions.last_changed_at', 'ranked_subscriptions.time_zone'
        ) }} as subscription_last_change_date,
        coalesce(ranked_subscriptions.referencing_subscription_count, 0)
            as referencing_subscription_count
    from contracts
    left join ranked_subscriptions
        on
            contracts.contract_id = ranked_subscriptions.salesforce_contract_id
            and ranked_subscriptions.subscription_rank = 1

)

select * from final
