with

postings as (

    select * from {{ ref('int_payment_postings') }}

),

payment_exceptions as (

    select
        case
            when postings.transaction_id is null then 'PAYMENT_NOT_POSTED'
            else 'PAYMENT_AMOUNT_MISMATCH'
        end as reason_code,
        postings.*
    from postings
    where
        postings.transaction_id is null
        or not {{ within_tolerance(
            'gl_amount - amount', 'absolute_tolerance', 'relative_tolerance', 'amount'
        ) }}

),

final as (

    select
        reason_code,
        'payments' as pair,
        subsidiary_id,
        period,
        customer_id,
        'stripe' as source_system,
        'charge' as source_object,
        payment_id as source_id,
        'stripe' as left_system,
        'charge' as left_object,
        payment_id as left_id,
        'netsuite' as right_system,
        'transaction' as right_object,
        {{ dbt.safe_cast('transaction_id', dbt.type_string()) }} as right_id,
        currency_code as transaction_currency,
        amount as left_amount,
        coalesce(gl_amount, 0) as right_amount,
        coalesce(gl_amount, 0) - amount as difference,
        functional_currency,
        cast(null as {{ dbt.type_numeric() }}) as left_amount_functional,
        coalesce(gl_amount_functional, 0) as right_amount_functional,
        document_date,
        case
            when receipt_count > 1
                then {{ dbt.concat([
                    dbt.safe_cast('receipt_count', dbt.type_string()),
                    "' GL customer payments reference the charge'",
                ]) }}
        end as detail
    from payment_exceptions

)

select * from final
