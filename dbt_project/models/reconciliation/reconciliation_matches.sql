-- Every match with its evidence: one row per matched pair, or per member of a
-- matched group (a charge that paid several invoices, a journal that covers
-- several documents). `residual` is right minus left for a pair and the
-- group's residual for group members.
with

crm_billing_pairs as (

    select * from {{ ref('int_crm_billing_pairs') }}
    where subscription_id is not null

),

crosswalk as (

    select * from {{ ref('customer_crosswalk') }}
    where is_crosswalked and source_system != 'salesforce'

),

billing_gl_documents as (

    select * from {{ ref('int_billing_gl_documents') }}
    where match_rule is not null

),

payment_postings as (

    select * from {{ ref('int_payment_postings') }}
    where transaction_id is not null

),

payment_applications as (

    select * from {{ ref('payment_applications') }}
    where payment_id is not null

),

gl_transactions as (

    select * from {{ ref('gl_transactions') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

crm_billing_matches as (

    select
        'crm_billing' as pair,
        'reference' as match_rule,
        cast(null as {{ dbt.type_string() }}) as group_id,
        'salesforce' as left_system,
        'contract' as left_object,
        crm_billing_pairs.contract_id as left_id,
        'stripe' as right_system,
        'subscription' as right_object,
        crm_billing_pairs.subscription_id as right_id,
        crm_billing_pairs.subsidiary_id,
        {{ period_label('crm_billing_pairs.contract_start_date') }} as period,
        crm_billing_pairs.contract_currency_code as transaction_currency,
        crm_billing_pairs.contract_monthly_amount as left_amount,
        crm_billing_pairs.subscription_monthly_value as right_amount,
        crm_billing_pairs.subscription_monthly_value - crm_billing_pairs.contract_monthly_amount
            as residual,
        {{ tolerance_amount(
            'currencies.absolute_tolerance',
            'currencies.relative_tolerance',
            'crm_billing_pairs.contract_monthly_amount',
        ) }} as tolerance_used,
        abs({{ dbt.datediff(
            'crm_billing_pairs.contract_start_date',
            'crm_billing_pairs.subscription_start_date',
            'day',
        ) }}) as date_distance_days,
        cast(null as {{ dbt.type_numeric() }}) as fx_rate,
        cast(null as {{ dbt.type_string() }}) as fx_rate_period,
        cast(null as date) as fx_rate_date
    from crm_billing_pairs
    left join currencies
        on crm_billing_pairs.contract_currency_code = currencies.currency_code

),

customer_matches as (

    select
        'master_data' as pair,
        'reference' as match_rule,
        cast(null as {{ dbt.type_string() }}) as group_id,
        'salesforce' as left_system,
        'account' as left_object,
        crosswalk.salesforce_account_id as left_id,
        crosswalk.source_system as right_system,
        'customer' as right_object,
        crosswalk.source_customer_id as right_id,
        crosswalk.subsidiary_id,
        cast(null as {{ dbt.type_string() }}) as period,
        cast(null as {{ dbt.type_string() }}) as transaction_currency,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount,
        cast(0 as {{ dbt.type_numeric() }}) as right_amount,
        cast(0 as {{ dbt.type_numeric() }}) as residual,
        cast(0 as {{ dbt.type_numeric() }}) as tolerance_used,
        cast(null as {{ dbt.type_int() }}) as date_distance_days,
        cast(null as {{ dbt.type_numeric() }}) as fx_rate,
        cast(null as {{ dbt.type_string() }}) as fx_rate_period,
        cast(null as date) as fx_rate_date
    from crosswalk

),

billing_gl_matches as (

    select
        'billing_gl' as pair,
        billing_gl_documents.match_rule,
        billing_gl_documents.group_id,
        'stripe' as left_system,
        billing_gl_documents.document_type as left_object,
        billing_gl_documents.document_id as left_id,
        'netsuite' as right_system,
        'transaction' as right_object,
        {{ dbt.safe_cast('gl_transactions.transaction_id', dbt.type_string()) }} as right_id,
        billing_gl_documents.subsidiary_id,
        billing_gl_documents.period,
        billing_gl_documents.currency_code as transaction_currency,
        billing_gl_documents.amount as left_amount,
        gl_transactions.ar_amount as right_amount,
        case
            when billing_gl_documents.match_rule = 'many_to_one'
                then billing_gl_documents.group_residual
            when billing_gl_documents.match_rule = 'correlation_id'
                then gl_transactions.ar_amount - sum(billing_gl_documents.amount) over (
                    partition by billing_gl_documents.matched_transaction_id
                )
            else gl_transactions.ar_amount - billing_gl_documents.amount
        end as residual,
        coalesce(
            billing_gl_documents.tolerance_used,
            {{ tolerance_amount(
                'billing_gl_documents.absolute_tolerance',
                'billing_gl_documents.relative_tolerance',
                'billing_gl_documents.amount',
            ) }}
        ) as tolerance_used,
        abs({{ dbt.datediff(
            'billing_gl_documents.document_date', 'gl_transactions.transaction_date', 'day'
        ) }}) as date_distance_days,
        fx_rates.average_rate as fx_rate,
        fx_rates.period as fx_rate_period,
        fx_rates.rate_date as fx_rate_date
    from billing_gl_documents
    inner join gl_transactions
        on billing_gl_documents.matched_transaction_id = gl_transactions.transaction_id
    left join fx_rates
        on
            gl_transactions.accounting_period_id = fx_rates.accounting_period_id
            and billing_gl_documents.currency_code = fx_rates.from_currency
            and gl_transactions.functional_currency = fx_rates.to_currency

),

payment_matches as (

    select
        'payments' as pair,
        'reference' as match_rule,
        cast(null as {{ dbt.type_string() }}) as group_id,
        'stripe' as left_system,
        'charge' as left_object,
        payment_postings.payment_id as left_id,
        'netsuite' as right_system,
        'transaction' as right_object,
        {{ dbt.safe_cast('payment_postings.transaction_id', dbt.type_string()) }} as right_id,
        payment_postings.subsidiary_id,
        payment_postings.period,
        payment_postings.currency_code as transaction_currency,
        payment_postings.amount as left_amount,
        payment_postings.gl_amount as right_amount,
        payment_postings.gl_amount - payment_postings.amount as residual,
        payment_postings.tolerance_used,
        cast(null as {{ dbt.type_int() }}) as date_distance_days,
        fx_rates.average_rate as fx_rate,
        fx_rates.period as fx_rate_period,
        fx_rates.rate_date as fx_rate_date
    from payment_postings
    left join fx_rates
        on
            payment_postings.accounting_period_id = fx_rates.accounting_period_id
            and payment_postings.currency_code = fx_rates.from_currency
            and payment_postings.functional_currency = fx_rates.to_currency

),

application_matches as (

    select
        'payments' as pair,
        case
            when payment_applications.payment_application_count > 1 then 'one_to_many'
            else 'reference'
        end as match_rule,
        payment_applications.payment_id as group_id,
        'stripe' as left_system,
        'charge' as left_object,
        payment_applications.payment_id as left_id,
        'stripe' as right_system,
        'invoice' as right_object,
        payment_applications.invoice_id as right_id,
        payment_applications.subsidiary_id,
        payment_applications.period,
        payment_applications.currency_code as transaction_currency,
        payment_applications.amount_applied as left_amount,
        payment_applications.amount_applied as right_amount,
        cast(0 as {{ dbt.type_numeric() }}) as residual,
        cast(0 as {{ dbt.type_numeric() }}) as tolerance_used,
        cast(null as {{ dbt.type_int() }}) as date_distance_days,
        cast(null as {{ dbt.type_numeric() }}) as fx_rate,
        cast(null as {{ dbt.type_string() }}) as fx_rate_period,
        cast(null as date) as fx_rate_date
    from payment_applications
    where coalesce(payment_applications.status, 'paid') = 'paid'

),

all_matches as (

    select * from crm_billing_matches
    union all
    select * from customer_matches
    union all
    select * from billing_gl_matches
    union all
    select * from payment_matches
    union all
    select * from application_matches

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'pair', "'|'", 'match_rule', "'|'",
            'left_system', "'|'", 'left_object', "'|'", 'left_id', "'|'",
            'right_system', "'|'", 'right_object', "'|'", 'right_id',
        ])) }} as match_id,
        pair,
        match_rule,
        group_id,
        left_system,
        left_object,
        left_id,
        right_system,
        right_object,
        right_id,
        cast(subsidiary_id as {{ dbt.type_int() }}) as subsidiary_id,
        period,
        transaction_currency,
        left_amount,
        right_amount,
        residual,
        tolerance_used,
        -- Reference, correlation and Stripe's own payment links are certain. A
        -- rule match loses confidence as its residual approaches the tolerance
        -- and with each day of date distance. A many-to-one journal is dated at
        -- month end, so only its residual counts.
        case
            when match_rule = 'rule'
                then greatest(
                    0,
                    1
                    - 0.5 * coalesce(abs(residual) / nullif(tolerance_used, 0), 0)
                    - 0.05 * coalesce(date_distance_days, 0)
                )
            when match_rule = 'many_to_one'
                then 1 - 0.5 * coalesce(abs(residual) / nullif(tolerance_used, 0), 0)
            else 1
        end as confidence,
        date_distance_days,
        fx_rate,
        fx_rate_period,
        fx_rate_date
    from all_matches

)

select * from final
