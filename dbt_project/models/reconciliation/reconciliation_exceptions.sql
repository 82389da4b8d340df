-- Every reconciliation difference, one row per reason code and identifying
-- record (docs/reconciliation_rules.md). Functional amounts that a pair does not
-- compare itself are converted at the consolidated average rate of the period.
{%- set exception_models = [
    'int_crm_billing_exceptions',
    'int_master_data_exceptions',
    'int_billing_gl_exceptions',
    'int_payment_exceptions',
    'int_payout_exceptions',
    'int_balance_exceptions',
    'int_usage_exceptions',
] %}
{%- set exception_columns = [
    'reason_code', 'pair', 'subsidiary_id', 'period', 'customer_id',
    'source_system', 'source_object', 'source_id',
    'left_system', 'left_object', 'left_id', 'right_system', 'right_object', 'right_id',
    'transaction_currency', 'left_amount', 'right_amount', 'difference',
    'functional_currency', 'left_amount_functional', 'right_amount_functional',
    'document_date', 'detail',
] %}

with

int_crm_billing_exceptions as (

    select * from {{ ref('int_crm_billing_exceptions') }}

),

int_master_data_exceptions as (

    select * from {{ ref('int_master_data_exceptions') }}

),

int_billing_gl_exceptions as (

    select * from {{ ref('int_billing_gl_exceptions') }}

),

int_payment_exceptions as (

    select * from {{ ref('int_payment_exceptions') }}

),

int_payout_exceptions as (

    select * from {{ ref('int_payout_exceptions') }}

),

int_balance_exceptions as (

    select * from {{ ref('int_balance_exceptions') }}

),

int_usage_exceptions as (

    select * from {{ ref('int_usage_exceptions') }}

),


restated_after_signoff as (

    select * from {{ ref('restated_after_signoff') }}

),

reason_codes as (

    select * from {{ ref('reason_codes') }}

),

subsidiaries as (

    select * from {{ ref('canonical_subsidiaries') }}

),

periods as (

    select * from {{ ref('accounting_periods') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

-- The newest snapshot among the objects that every snapshot contains. Ages are
-- counted from it, so a rerun over the same snapshots gives the same rows.
snapshot_times as (

    select max(snapshot_at) as snapshot_at from {{ ref('stg_salesforce__accounts') }}
    union all
    select max(snapshot_at) as snapshot_at from {{ ref('stg_stripe__customers') }}
    union all
    select max(snapshot_at) as snapshot_at from {{ ref('stg_netsuite__subsidiaries') }}

),

reconciliation_snapshot as (

    select max(snapshot_at) as snapshot_at from snapshot_times

),

-- The intermediate models share these columns; each is selected by name.
-- noqa: disable=LT02
computed_exceptions as (
    {%- for model_name in exception_models %}

    select
        {%- for column in exception_columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model_name }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),
-- noqa: enable=LT02

placed_exceptions as (

    select
        computed_exceptions.*,
        coalesce(
            computed_exceptions.functional_currency, subsidiaries.functional_currency
        ) as entity_currency,
        subsidiaries.time_zone,
        {{ to_local_date(
            'reconciliation_snapshot.snapshot_at', "coalesce(subsidiaries.time_zone, 'UTC')"
        ) }} as snapshot_date,
        reconciliation_snapshot.snapshot_at
    from computed_exceptions
    cross join reconciliation_snapshot
    left join subsidiaries
        on computed_exceptions.subsidiary_id = subsidiaries.subsidiary_id

),

dated_exceptions as (

    select
        placed_exceptions.*,
        coalesce(
            placed_exceptions.period,
            document_period.period,
            snapshot_period.period,
            {{ period_label('placed_exceptions.snapshot_date') }}
        ) as exception_period
    from placed_exceptions
    left join periods as document_period
        on
            placed_exceptions.document_date
            between document_period.start_date and document_period.end_date
    left join periods as snapshot_period
        on
            placed_exceptions.snapshot_date
            between snapshot_period.start_date and snapshot_period.end_date

),

converted_exceptions as (

    select
        dated_exceptions.*,
        fx_rates.average_rate as fx_rate,
        coalesce(
            dated_exceptions.left_amount_functional,
            round(dated_exceptions.left_amount * fx_rates.average_rate, currencies.minor_unit)
        ) as converted_left_amount_functional,
        coalesce(
            dated_exceptions.right_amount_functional,
            round(dated_exceptions.right_amount * fx_rates.average_rate, currencies.minor_unit)
        ) as converted_right_amount_functional
    from dated_exceptions
    left join periods
        on dated_exceptions.exception_period = periods.period
    left join fx_rates
        on
            periods.accounting_period_id = fx_rates.accounting_period_id
            and dated_exceptions.transaction_currency = fx_rates.from_currency
            and dated_exceptions.entity_currency = fx_rates.to_currency
    left join currencies
        on dated_exceptions.entity_currency = currencies.currency_code

),

computed_final as (

    select
        {{ dbt.hash(dbt.concat([
            'converted_exceptions.reason_code', "'|'",
            'converted_exceptions.source_system', "'|'",
            'converted_exceptions.source_object', "'|'",
            'converted_exceptions.source_id',
        ])) }} as exception_id,
        converted_exceptions.reason_code,
        converted_exceptions.pair,
        reason_codes.severity,
        cast(converted_exceptions.subsidiary_id as {{ dbt.type_int() }}) as subsidiary_id,
        converted_exceptions.exception_period as period,
        converted_exceptions.customer_id,
        converted_exceptions.source_system,
        converted_exceptions.source_object,
        converted_exceptions.source_id,
        converted_exceptions.left_system,
        converted_exceptions.left_object,
        converted_exceptions.left_id,
        converted_exceptions.right_system,
        converted_exceptions.right_object,
        converted_exceptions.right_id,
        converted_exceptions.transaction_currency,
        converted_exceptions.left_amount,
        converted_exceptions.right_amount,
        converted_exceptions.difference,
        converted_exceptions.entity_currency as functional_currency,
        converted_exceptions.converted_left_amount_functional as left_amount_functional,
        converted_exceptions.converted_right_amount_functional as right_amount_functional,
        -- Reasons whose difference is 0 by definition, or counted in days.
        case
            when converted_exceptions.reason_code in (
                'CUSTOMER_MASTER_DRIFT', 'PRODUCT_UNMAPPED', 'PERIOD_MISMATCH',
                'DIMENSION_MISMATCH', 'CONTRACT_DATE_MISMATCH', 'RESTATED_AFTER_SIGNOFF'
            ) then 0
            else
                converted_exceptions.converted_right_amount_functional
                - converted_exceptions.converted_left_amount_functional
        end as difference_functional,
        converted_exceptions.document_date,
        coalesce(
            {{ dbt.datediff(
                'converted_exceptions.document_date', 'converted_exceptions.snapshot_date', 'day'
            ) }},
            0
        ) as age_days,
        converted_exceptions.detail,
        converted_exceptions.snapshot_at
    from converted_exceptions
    left join reason_codes
        on converted_exceptions.reason_code = reason_codes.reason_code

),

final as (

    select * from computed_final
    union all
    -- The sign-off model names its pair in the catalogue's words; the seed's
    -- pair keeps one spelling per pair in this mart.
    -- noqa: disable=LT02
    select
        {%- for column in [
            'exception_id', 'reason_code', 'pair', 'severity', 'subsidiary_id', 'period',
            'customer_id', 'source_system', 'source_object', 'source_id',
            'left_system', 'left_object', 'left_id',
            'right_system', 'right_object', 'right_id',
            'transaction_currency', 'left_amount', 'right_amount', 'difference',
            'functional_currency', 'left_amount_functional', 'right_amount_functional',
            'difference_functional', 'document_date', 'age_days', 'detail', 'snapshot_at',
        ] %}
        {%- if column == 'pair' %}
        coalesce(reason_codes.pair, restated_after_signoff.pair) as pair,
        {%- else %}
        restated_after_signoff.{{ column }}{{ "," if not loop.last }}
        {%- endif %}
        {%- endfor %}
    -- noqa: enable=LT02
    from restated_after_signoff
    left join reason_codes
        on restated_after_signoff.reason_code = reason_codes.reason_code

)

select * from final
