-- One row per customer record in each system, mapped to the tieout customer id:
-- the Salesforce Account Id when the record is crosswalked to an existing
-- account, otherwise the record's own id (NetSuite ids prefixed with
-- `netsuite:`). Stripe customers link through metadata.salesforce_account_id,
-- NetSuite customers through their externalid.
with

salesforce_accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

stripe_customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

netsuite_customers as (

    select * from {{ ref('stg_netsuite__customers') }}

),

salesforce_records as (

    select
        'salesforce' as source_system,
        account_id as source_customer_id,
        account_id as salesforce_account_id,
        subsidiary_id,
        false as is_deleted
    from salesforce_accounts

),

stripe_records as (

    select
        'stripe' as source_system,
        stripe_customers.customer_id as source_customer_id,
        salesforce_accounts.account_id as salesforce_account_id,
        coalesce(stripe_customers.subsidiary_id, salesforce_accounts.subsidiary_id)
            as subsidiary_id,
        stripe_customers.is_deleted
    from stripe_customers
    left join salesforce_accounts
        on stripe_customers.salesforce_account_id = salesforce_accounts.account_id

),

netsuite_records as (

    select
        'netsuite' as source_system,
        {{ dbt.safe_cast('netsuite_customers.customer_id', dbt.type_string()) }}
            as source_customer_id,
        salesforce_accounts.account_id as salesforce_account_id,
        netsuite_customers.subsidiary_id,
        false as is_deleted
    from netsuite_customers
    left join salesforce_accounts
        on netsuite_customers.salesforce_account_id = salesforce_accounts.account_id

),

all_records as (

    select * from salesforce_records
    union all
    select * from stripe_records
    union all
    select * from netsuite_records

),

final as (

    select
        coalesce(
            salesforce_account_id,
            case
                when source_system = 'netsuite'
                    then {{ dbt.concat(["'netsuite:'", 'source_customer_id']) }}
                else source_customer_id
            end
        ) as customer_id,
        source_system,
        source_customer_id,
        salesforce_account_id,
        salesforce_account_id is not null as is_crosswalked,
        subsidiary_id,
        is_deleted
    from all_records

)

select * from final
