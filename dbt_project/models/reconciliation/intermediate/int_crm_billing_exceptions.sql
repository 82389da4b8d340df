-- CRM-billing exceptions. Left is the Salesforce contract, right the Stripe
-- subscription; monthly values are compared in the contract currency.
with

pairs as (

    select * from {{ ref('int_crm_billing_pairs') }}

),

contracts as (

    select * from {{ ref('contracts') }}

),

subscriptions as (

    select * from {{ ref('subscriptions') }}
    where subscription_status != 'incomplete_expired'

),

subsidiaries as (

    select * from {{ ref('canonical_subsidiaries') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

match_windows as (

    select * from {{ ref('match_windows') }}

),

crm_billing_window as (

    select coalesce(max(date_window_days), 0) as date_window_days
    from match_windows
    where pair = 'crm_billing'

),

matched_pairs as (

    select
        pairs.*,
        currencies.absolute_tolerance,
        currencies.relative_tolerance,
        pairs.amendment_date > pairs.subscription_last_change_date as is_amendment_pending
    from pairs
    left join currencies
        on pairs.contract_currency_code = currencies.currency_code
    where pairs.subscription_id is not null

),

not_billed as (

    select
        'CONTRACT_NOT_BILLED' as reason_code,
        pairs.contract_id,
        cast(null as {{ dbt.type_string() }}) as subscription_id,
        pairs.contract_monthly_amount as left_amount,
        cast(0 as {{ dbt.type_numeric() }}) as right_amount,
        -pairs.contract_monthly_amount as difference,
        pairs.contract_start_date as document_date,
        cast(null as {{ dbt.type_string() }}) as detail
    from pairs
    left join subsidiaries
        on pairs.subsidiary_id = subsidiaries.subsidiary_id
    where
        pairs.subscription_id is null
        and pairs.contract_status = 'Activated'
        and pairs.contract_start_date
        <= {{ to_local_date('pairs.snapshot_at', "coalesce(subsidiaries.time_zone, 'UTC')") }}

),

amendments_not_applied as (

    select
        'AMENDMENT_NOT_APPLIED' as reason_code,
        contract_id,
        subscription_id,
        contract_monthly_amount as left_amount,
        subscription_monthly_value as right_amount,
        subscription_monthly_value - contract_monthly_amount as difference,
        amendment_date as document_date,
        {{ dbt.concat([
            "'amended '",
            dbt.safe_cast('amendment_date', dbt.type_string()),
            "', subscription last changed '",
            dbt.safe_cast('subscription_last_change_date', dbt.type_string()),
        ]) }} as detail
    from matched_pairs
    where is_amendment_pending

),

amount_mismatches as (

    select
        'CONTRACT_AMOUNT_MISMATCH' as reason_code,
        contract_id,
        subscription_id,
        contract_monthly_amount as left_amount,
        subscription_monthly_value as right_amount,
        subscription_monthly_value - contract_monthly_amount as difference,
        contract_start_date as document_date,
        cast(null as {{ dbt.type_string() }}) as detail
    from matched_pairs
    where
        not coalesce(is_amendment_pending, false)
        and not {{ within_tolerance(
            'subscription_monthly_value - contract_monthly_amount',
            'absolute_tolerance',
            'relative_tolerance',
            'contract_monthly_amount',
        ) }}

),

date_mismatches as (

    select
        'CONTRACT_DATE_MISMATCH' as reason_code,
        matched_pairs.contract_id,
        matched_pairs.subscription_id,
        matched_pairs.contract_monthly_amount as left_amount,
        matched_pairs.subscription_monthly_value as right_amount,
        {{ dbt.datediff(
            'matched_pairs.contract_start_date', 'matched_pairs.subscription_start_date', 'day'
        ) }} as difference,
        matched_pairs.contract_start_date as document_date,
        {{ dbt.concat([
            "'contract starts '",
            dbt.safe_cast('matched_pairs.contract_start_date', dbt.type_string()),
            "', subscription starts '",
            dbt.safe_cast('matched_pairs.subscription_start_date', dbt.type_string()),
        ]) }} as detail
    from matched_pairs
    cross join crm_billing_window
    where
        abs({{ dbt.datediff(
            'matched_pairs.contract_start_date', 'matched_pairs.subscription_start_date', 'day'
        ) }}) > crm_billing_window.date_window_days

),

contract_exceptions as (

    select * from not_billed
    union all
    select * from amendments_not_applied
    union all
    select * from amount_mismatches
    union all
    select * from date_mismatches

),

contract_rows as (

    select
        contract_exceptions.reason_code,
        'crm_billing' as pair,
        contracts.subsidiary_id,
        contracts.customer_id,
        'salesforce' as source_system,
        'contract' as source_object,
        contracts.contract_id as source_id,
        'salesforce' as left_system,
        'contract' as left_object,
        contracts.contract_id as left_id,
        'stripe' as right_system,
        'subscription' as right_object,
        contract_exceptions.subscription_id as right_id,
        contracts.currency_code as transaction_currency,
        contract_exceptions.left_amount,
        contract_exceptions.right_amount,
        contract_exceptions.difference,
        contract_exceptions.document_date,
        contract_exceptions.detail
    from contract_exceptions
    inner join contracts
        on contract_exceptions.contract_id = contracts.contract_id

),

subscriptions_without_contract as (

    select
        'SUBSCRIPTION_WITHOUT_CONTRACT' as reason_code,
        'crm_billing' as pair,
        subscriptions.subsidiary_id,
        subscriptions.customer_id,
        'stripe' as source_system,
        'subscription' as source_object,
        subscriptions.subscription_id as source_id,
        'salesforce' as left_system,
        'contract' as left_object,
        subscriptions.salesforce_contract_id as left_id,
        'stripe' as right_system,
        'subscription' as right_object,
        subscriptions.subscription_id as right_id,
        subscriptions.currency_code as transaction_currency,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount,
        subscriptions.monthly_value as right_amount,
        subscriptions.monthly_value as difference,
        subscriptions.start_date as document_date,
        case
            when subscriptions.salesforce_contract_id is null
                then 'no salesforce_contract_id in metadata'
            else {{ dbt.concat([
                "'no contract '", 'subscriptions.salesforce_contract_id'
            ]) }}
        end as detail
    from subscriptions
    left join contracts
        on subscriptions.salesforce_contract_id = contracts.contract_id
    where contracts.contract_id is null

),

all_rows as (

    select * from contract_rows
    union all
    select * from subscriptions_without_contract

),

-- Period and functional amounts are filled in by reconciliation_exceptions.
final as (

    select
        all_rows.*,
        cast(null as {{ dbt.type_string() }}) as period,
        cast(null as {{ dbt.type_string() }}) as functional_currency,
        cast(null as {{ dbt.type_numeric() }}) as left_amount_functional,
        cast(null as {{ dbt.type_numeric() }}) as right_amount_functional
    from all_rows

)

select * from final
