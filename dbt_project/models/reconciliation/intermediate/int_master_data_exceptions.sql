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

{%- set compared_fields = {
    'name': ['account_name', 'customer_name', 'company_name'],
    'country': ['billing_country', 'country_code', 'country_code'],
    'subsidiary': ['subsidiary_id', 'subsidiary_id', 'subsidiary_id'],
} %}

-- One row per system record and compared field. Parent is compared between
-- Salesforce and NetSuite only, since Stripe customers have none; an empty
-- parent is a value of its own there.
attribute_values as (
    {%- for field, columns in compared_fields.items() %}

    select
        crosswalked_accounts.account_id,
        'salesforce' as source_system,
        '{{ field }}' as field_name,
        upper(trim({{ dbt.safe_cast('salesforce_accounts.' ~ columns[0], dbt.type_string()) }}))
            as field_value
    from crosswalked_accounts
    inner join salesforce_accounts
        on crosswalked_accounts.account_id = salesforce_accounts.account_id

    union all

    select
        crosswalk.salesforce_account_id as account_id,
        'stripe' as source_system,
        '{{ field }}' as field_name,
        upper(trim({{ dbt.safe_cast('stripe_customers.' ~ columns[1], dbt.type_string()) }}))
            as field_value
    from crosswalk
    inner join stripe_customers
        on crosswalk.source_customer_id = stripe_customers.customer_id
    where crosswalk.source_system = 'stripe'

    union all

    select
        crosswalk.salesforce_account_id as account_id,
        'netsuite' as source_system,
        '{{ field }}' as field_name,
        upper(trim({{ dbt.safe_cast('netsuite_customers.' ~ columns[2], dbt.type_string()) }}))
            as field_value
    from crosswalk
    inner join netsuite_customers
        on crosswalk.source_customer_id
        = {{ dbt.safe_cast('netsuite_customers.customer_id', dbt.type_string()) }}
    where crosswalk.source_system = 'netsuite'

    union all
    {%- endfor %}

    select
        crosswalked_accounts.account_id,
        'salesforce' as source_system,
        'currency' as field_name,
        salesforce_accounts.currency_code as field_value
    from crosswalked_accounts
    inner join salesforce_accounts
        on crosswalked_accounts.account_id = salesforce_accounts.account_id

    union all

    select
        crosswalk.salesforce_account_id as account_id,
        'stripe' as source_system,
        'currency' as field_name,
        stripe_customers.currency_code as field_value
    from crosswalk
    inner join stripe_customers
        on crosswalk.source_customer_id = stripe_customers.customer_id
    where crosswalk.source_system = 'stripe'

    union all

    select
        crosswalk.salesforce_account_id as account_id,
        'netsuite' as source_system,
        'currency' as field_name,
        currencies.currency_code as field_value
    from crosswalk
    inner join netsuite_customers
        on crosswalk.source_customer_id
        = {{ dbt.safe_cast('netsuite_customers.customer_id', dbt.type_string()) }}
    left join currencies
        on netsuite_customers.currency_id = currencies.netsuite_currency_id
    where crosswalk.source_system = 'netsuite'

    union all

    select
        crosswalked_accounts.account_id,
        'salesforce' as source_system,
        'parent' as field_name,
        coalesce(salesforce_accounts.parent_account_id, '(none)') as field_value
    from crosswalked_accounts
    inner join salesforce_accounts
        on crosswalked_accounts.account_id = salesforce_accounts.account_id
    where exists (
        select 1 from crosswalk
        where
            crosswalk.salesforce_account_id = crosswalked_accounts.account_id
            and crosswalk.source_system = 'netsuite'
    )

    union all

    select
        crosswalk.salesforce_account_id as account_id,
        'netsuite' as source_system,
        'parent' as field_name,
        coalesce(netsuite_parent.salesforce_account_id, '(none)') as field_value
    from crosswalk
    inner join netsuite_customers
        on crosswalk.source_customer_id
        = {{ dbt.safe_cast('netsuite_customers.customer_id', dbt.type_string()) }}
    left join netsuite_customers as netsuite_parent
        on netsuite_customers.parent_customer_id = netsuite_parent.customer_id
    where crosswalk.source_system = 'netsuite'

),

-- A field drifts when its non-empty values are not all equal.
drifting_fields as (

    select
        account_id,
        field_name
    from attribute_values
    where field_value is not null and field_value != ''
    group by account_id, field_name
    having count(distinct field_value) > 1

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
