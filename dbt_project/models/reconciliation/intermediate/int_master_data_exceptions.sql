-- Master data exceptions: customers whose attributes differ between systems, and
-- billed products without a GL mapping.
with

crosswalk as (

    select * from {{ ref('customer_crosswalk') }}
    where is_crosswalked and not is_deleted

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

invoice_lines as (

    select * from {{ ref('invoice_lines') }}

),

product_mapping as (

    select * from {{ ref('product_mapping') }}

),

-- Accounts that at least one other system's record is crosswalked to.
crosswalked_accounts as (

    select distinct salesforce_account_id as account_id
    from crosswalk
    where source_system != 'salesforce'

),

-- Each crosswalked record with the compared fields in one spelling: upper case,
-- trimmed, subsidiaries as text. Parent is compared between Salesforce and
-- NetSuite only, since Stripe customers have none; an empty parent is a value
-- of its own there.
system_records as (

    select
        crosswalked_accounts.account_id,
        'salesforce' as source_system,
        upper(trim(salesforce_accounts.account_name)) as name_value,
        upper(trim(salesforce_accounts.billing_country)) as country_value,
        {{ dbt.safe_cast('salesforce_accounts.subsidiary_id', dbt.type_string()) }}
            as subsidiary_value,
        salesforce_accounts.currency_code as currency_value,
        coalesce(salesforce_accounts.parent_account_id, '(none)') as parent_value
    from crosswalked_accounts
    inner join salesforce_accounts
        on crosswalked_accounts.account_id = salesforce_accounts.account_id

    union all

    select
        crosswalk.salesforce_account_id as account_id,
        'stripe' as source_system,
        upper(trim(stripe_customers.customer_name)) as name_value,
        upper(trim(stripe_customers.country_code)) as country_value,
        {{ dbt.safe_cast('stripe_customers.subsidiary_id', dbt.type_string()) }}
            as subsidiary_value,
        stripe_customers.currency_code as currency_value,
        cast(null as {{ dbt.type_string() }}) as parent_value
    from crosswalk
    inner join stripe_customers
        on crosswalk.source_customer_id = stripe_customers.customer_id
    where crosswalk.source_system = 'stripe'

    union all

    select
        crosswalk.salesforce_account_id as account_id,
        'netsuite' as source_system,
        upper(trim(netsuite_customers.company_name)) as name_value,
        upper(trim(netsuite_customers.country_code)) as country_value,
        {{ dbt.safe_cast('netsuite_customers.subsidiary_id', dbt.type_string()) }}
            as subsidiary_value,
        currencies.currency_code as currency_value,
        coalesce(netsuite_parent.salesforce_account_id, '(none)') as parent_value
    from crosswalk
    inner join netsuite_customers
        on
            crosswalk.source_customer_id
            = {{ dbt.safe_cast('netsuite_customers.customer_id', dbt.type_string()) }}
    left join currencies
        on netsuite_customers.currency_id = currencies.netsuite_currency_id
    left join netsuite_customers as netsuite_parent
        on netsuite_customers.parent_customer_id = netsuite_parent.customer_id
    where crosswalk.source_system = 'netsuite'

),

compared_fields as (

    select 'name' as field_name
    union all
    select 'country' as field_name
    union all
    select 'subsidiary' as field_name
    union all
    select 'currency' as field_name
    union all
    select 'parent' as field_name

),

-- One row per system record and compared field.
attribute_values as (

    select
        system_records.account_id,
        system_records.source_system,
        compared_fields.field_name,
        case compared_fields.field_name
            when 'name' then system_records.name_value
            when 'country' then system_records.country_value
            when 'subsidiary' then system_records.subsidiary_value
            when 'currency' then system_records.currency_value
            when 'parent' then system_records.parent_value
        end as field_value
    from system_records
    cross join compared_fields

),

-- A field drifts when its non-empty values are not all equal.
drifting_fields as (

    select
        attribute_values.account_id,
        attribute_values.field_name
    from attribute_values
    where attribute_values.field_value is not null and attribute_values.field_value != ''
    group by attribute_values.account_id, attribute_values.field_name
    having count(distinct attribute_values.field_value) > 1

),

drifting_accounts as (

    select
        account_id,
        {{ dbt.listagg('field_name', "', '", 'order by field_name') }} as drifting_fields
    from drifting_fields
    group by account_id

),

customer_drift as (

    select
        'CUSTOMER_MASTER_DRIFT' as reason_code,
        'master_data' as pair,
        salesforce_accounts.subsidiary_id,
        cast(null as {{ dbt.type_string() }}) as period,
        salesforce_accounts.account_id as customer_id,
        'salesforce' as source_system,
        'account' as source_object,
        salesforce_accounts.account_id as source_id,
        'salesforce' as left_system,
        'account' as left_object,
        salesforce_accounts.account_id as left_id,
        cast(null as {{ dbt.type_string() }}) as right_system,
        cast(null as {{ dbt.type_string() }}) as right_object,
        cast(null as {{ dbt.type_string() }}) as right_id,
        salesforce_accounts.currency_code as transaction_currency,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount,
        cast(0 as {{ dbt.type_numeric() }}) as right_amount,
        cast(0 as {{ dbt.type_numeric() }}) as difference,
        cast(null as {{ dbt.type_string() }}) as functional_currency,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount_functional,
        cast(0 as {{ dbt.type_numeric() }}) as right_amount_functional,
        cast(null as date) as document_date,
        {{ dbt.concat(["'differs across systems: '", 'drifting_accounts.drifting_fields']) }}
            as detail
    from drifting_accounts
    inner join salesforce_accounts
        on drifting_accounts.account_id = salesforce_accounts.account_id

),

-- The first invoice line that billed each unmapped product places it in a
-- subsidiary and period.
unmapped_product_lines as (

    select
        invoice_lines.product_id,
        invoice_lines.subsidiary_id,
        invoice_lines.period,
        invoice_lines.document_date,
        invoice_lines.currency,
        invoice_lines.document_id,
        row_number() over (
            partition by invoice_lines.product_id
            order by invoice_lines.document_date, invoice_lines.line_id
        ) as line_rank,
        count(*) over (partition by invoice_lines.product_id) as line_count
    from invoice_lines
    left join product_mapping
        on invoice_lines.product_id = product_mapping.stripe_product_id
    where
        invoice_lines.product_id is not null
        and product_mapping.stripe_product_id is null

),

unmapped_products as (

    select
        'PRODUCT_UNMAPPED' as reason_code,
        'master_data' as pair,
        subsidiary_id,
        period,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        'stripe' as source_system,
        'product' as source_object,
        product_id as source_id,
        'stripe' as left_system,
        'product' as left_object,
        product_id as left_id,
        'seed' as right_system,
        'product_mapping' as right_object,
        cast(null as {{ dbt.type_string() }}) as right_id,
        currency as transaction_currency,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount,
        cast(0 as {{ dbt.type_numeric() }}) as right_amount,
        cast(0 as {{ dbt.type_numeric() }}) as difference,
        cast(null as {{ dbt.type_string() }}) as functional_currency,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount_functional,
        cast(0 as {{ dbt.type_numeric() }}) as right_amount_functional,
        document_date,
        {{ dbt.concat([
            "'billed on '",
            dbt.safe_cast('line_count', dbt.type_string()),
            "' invoice lines, first on '",
            'document_id',
        ]) }} as detail
    from unmapped_product_lines
    where line_rank = 1

),

final as (

    select * from customer_drift
    union all
    select * from unmapped_products

)

select * from final
