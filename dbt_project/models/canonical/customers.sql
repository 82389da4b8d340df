-- One row per tieout customer with each system's view of it side by side. When
-- several Stripe or NetSuite records map to one account, the lowest id stands
-- for the system here and the record counts show it. The drift check compares
-- every record.
with

crosswalk as (

    select * from {{ ref('customer_crosswalk') }}

),

salesforce_accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

stripe_customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

netsuite_customers as (

    select * from {{ ref('stg_netsuite__customers') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

customer_records as (

    select
        customer_id,
        max(salesforce_account_id) as salesforce_account_id,
        min(case when source_system = 'stripe' then source_customer_id end)
            as stripe_customer_id,
        min(
            case
                when source_system = 'netsuite'
                    then {{ dbt.safe_cast('source_customer_id', dbt.type_int()) }}
            end
        ) as netsuite_customer_id,
        sum(case when source_system = 'stripe' then 1 else 0 end) as stripe_record_count,
        sum(case when source_system = 'netsuite' then 1 else 0 end) as netsuite_record_count
    from crosswalk
    group by customer_id

),

final as (

    select
        customer_records.customer_id,
        customer_records.salesforce_account_id,
        customer_records.stripe_customer_id,
        customer_records.netsuite_customer_id,
        customer_records.stripe_record_count,
        customer_records.netsuite_record_count,
        coalesce(
            salesforce_accounts.account_name,
            netsuite_customers.company_name,
            stripe_customers.customer_name
        ) as customer_name,
        coalesce(
            salesforce_accounts.subsidiary_id,
            netsuite_customers.subsidiary_id,
            stripe_customers.subsidiary_id
        ) as subsidiary_id,
        salesforce_accounts.account_name as salesforce_name,
        salesforce_accounts.billing_country as salesforce_country,
        salesforce_accounts.subsidiary_id as salesforce_subsidiary_id,
        salesforce_accounts.currency_code as salesforce_currency_code,
        salesforce_accounts.parent_account_id as salesforce_parent_account_id,
        stripe_customers.customer_name as stripe_name,
        stripe_customers.country_code as stripe_country,
        stripe_customers.subsidiary_id as stripe_subsidiary_id,
        stripe_customers.currency_code as stripe_currency_code,
        coalesce(stripe_customers.is_deleted, false) as is_deleted_in_stripe,
        netsuite_customers.company_name as netsuite_name,
        netsuite_customers.country_code as netsuite_country,
        netsuite_customers.subsidiary_id as netsuite_subsidiary_id,
        netsuite_currency.currency_code as netsuite_currency_code,
        netsuite_parent.salesforce_account_id as netsuite_parent_account_id
    from customer_records
    left join salesforce_accounts
        on customer_records.salesforce_account_id = salesforce_accounts.account_id
    left join stripe_customers
        on customer_records.stripe_customer_id = stripe_customers.customer_id
    left join netsuite_customers
        on customer_records.netsuite_customer_id = netsuite_customers.customer_id
    left join netsuite_customers as netsuite_parent
        on netsuite_customers.parent_customer_id = netsuite_parent.customer_id
    left join currencies as netsuite_currency
        on netsuite_customers.currency_id = netsuite_currency.netsuite_currency_id

)

select * from final
