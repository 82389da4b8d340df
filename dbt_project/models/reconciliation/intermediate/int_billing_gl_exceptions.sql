-- Billing-GL exceptions, one row per reason and identifying record. A document
-- with DUPLICATE_POSTING or VOID_NOT_REVERSED gets no other reason, and an
-- INVOICE_NOT_POSTED document has nothing to compare. Documents matched one to
-- one (by reference or rule) are checked for amount, FX, period and dimensions.
with

documents as (

    select * from {{ ref('int_billing_gl_documents') }}

),

gl_transactions as (

    select * from {{ ref('gl_transactions') }}

),

gl_lines as (

    select * from {{ ref('gl_lines') }}

),

billing_document_lines as (

    select * from {{ ref('billing_document_lines') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

-- Ids of every Stripe document in any loaded snapshot, not only the latest: a
-- document that disappeared after an earlier snapshot is a restatement
-- (RESTATED_AFTER_SIGNOFF), and its journal still has a source.
stripe_document_ids as (

    select distinct id as document_id from {{ source('stripe', 'invoice') }}
    union
    select distinct id as document_id from {{ source('stripe', 'credit_note') }}
    union
    select distinct id as document_id from {{ source('stripe', 'charge') }}

),

duplicate_postings as (

    select
        'DUPLICATE_POSTING' as reason_code,
        documents.document_id,
        documents.amount as left_amount,
        documents.live_ar_amount as right_amount,
        documents.live_ar_amount_functional as right_amount_functional,
        cast(null as {{ dbt.type_bigint() }}) as right_transaction_id,
        {{ dbt.concat(["'live GL transactions: '", 'documents.referencing_transaction_ids']) }}
            as detail
    from documents
    where not documents.is_void and documents.live_reference_count > 1

),

void_not_reversed as (

    select
        'VOID_NOT_REVERSED' as reason_code,
        documents.document_id,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount,
        documents.live_ar_amount as right_amount,
        documents.live_ar_amount_functional as right_amount_functional,
        case
            when documents.live_reference_count = 1
                then cast(documents.referencing_transaction_ids as {{ dbt.type_bigint() }})
        end as right_transaction_id,
        {{ dbt.concat([
            "'void invoice with live GL transactions: '",
            'documents.referencing_transaction_ids',
        ]) }} as detail
    from documents
    where
        documents.is_void
        and documents.document_type = 'invoice'
        and documents.live_reference_count > 0

),

not_posted as (

    select
        'INVOICE_NOT_POSTED' as reason_code,
        documents.document_id,
        documents.amount as left_amount,
        cast(0 as {{ dbt.type_numeric() }}) as right_amount,
        cast(0 as {{ dbt.type_numeric() }}) as right_amount_functional,
        cast(null as {{ dbt.type_bigint() }}) as right_transaction_id,
        cast(null as {{ dbt.type_string() }}) as detail
    from documents
    where
        not documents.is_void
        and documents.live_reference_count = 0
        and documents.match_rule is null

),

-- Documents matched one to one, with the GL transaction they matched.
matched_pairs as (

    select
        documents.*,
        gl_transactions.ar_amount as gl_amount,
        gl_transactions.ar_amount_functional as gl_amount_functional,
        gl_transactions.subsidiary_id as gl_subsidiary_id,
        gl_transactions.accounting_period_id as gl_accounting_period_id,
        gl_transactions.period as gl_period,
        gl_transactions.functional_currency as gl_functional_currency,
        gl_transactions.transaction_id as gl_transaction_id,
        functional.minor_unit as functional_minor_unit,
        functional.absolute_tolerance as functional_absolute_tolerance,
        functional.relative_tolerance as functional_relative_tolerance,
        fx_rates.average_rate as fx_rate
    from documents
    inner join gl_transactions
        on documents.matched_transaction_id = gl_transactions.transaction_id
    left join currencies as functional
        on gl_transactions.functional_currency = functional.currency_code
    left join fx_rates
        on
            gl_transactions.accounting_period_id = fx_rates.accounting_period_id
            and documents.currency_code = fx_rates.from_currency
            and gl_transactions.functional_currency = fx_rates.to_currency
    where documents.match_rule in ('reference', 'rule')

),

amount_mismatches as (

    select
        'AMOUNT_MISMATCH' as reason_code,
        document_id,
        amount as left_amount,
        gl_amount as right_amount,
        gl_amount_functional as right_amount_functional,
        gl_transaction_id as right_transaction_id,
        cast(null as {{ dbt.type_string() }}) as detail
    from matched_pairs
    where not {{ within_tolerance(
        'gl_amount - amount', 'absolute_tolerance', 'relative_tolerance', 'amount'
    ) }}

),

-- The billing amount at the ERP's rate, rounded to the functional currency.
converted_pairs as (

    select
        matched_pairs.*,
        round(matched_pairs.amount * matched_pairs.fx_rate, matched_pairs.functional_minor_unit)
            as expected_amount_functional
    from matched_pairs
    where
        matched_pairs.currency_code != matched_pairs.gl_functional_currency
        and matched_pairs.fx_rate is not null
        and {{ within_tolerance(
            'gl_amount - amount', 'absolute_tolerance', 'relative_tolerance', 'amount'
        ) }}

),

fx_differences as (

    select
        'FX_DIFFERENCE' as reason_code,
        document_id,
        amount as left_amount,
        gl_amount as right_amount,
        gl_amount_functional as right_amount_functional,
        gl_transaction_id as right_transaction_id,
        {{ dbt.concat([
            "'functional amounts in '",
            'gl_functional_currency',
            "' at rate '",
            dbt.safe_cast('fx_rate', dbt.type_string()),
            "': GL '",
            dbt.safe_cast('gl_amount_functional', dbt.type_string()),
            "', billing '",
            dbt.safe_cast('expected_amount_functional', dbt.type_string()),
        ]) }} as detail
    from converted_pairs
    where not {{ within_tolerance(
        'gl_amount_functional - expected_amount_functional',
        'functional_absolute_tolerance',
        'functional_relative_tolerance',
        'expected_amount_functional',
    ) }}

),

period_mismatches as (

    select
        'PERIOD_MISMATCH' as reason_code,
        document_id,
        amount as left_amount,
        gl_amount as right_amount,
        gl_amount_functional as right_amount_functional,
        gl_transaction_id as right_transaction_id,
        {{ dbt.concat(["'document period '", 'period', "', GL period '", 'gl_period']) }}
            as detail
    from matched_pairs
    where gl_period is distinct from period

),

-- Revenue lines of the GL transaction, matched to the billing line named in
-- their memo, next to the account, class and tax code that the mapping expects.
line_pairs as (

    select
        matched_pairs.document_id,
        billing_document_lines.line_id,
        gl_lines.account_number as gl_account_number,
        billing_document_lines.revenue_account_number as expected_account_number,
        gl_lines.product_family as gl_product_family,
        billing_document_lines.product_family as expected_product_family,
        gl_lines.tax_code as gl_tax_code,
        billing_document_lines.tax_code as expected_tax_code
    from matched_pairs
    inner join gl_lines
        on matched_pairs.gl_transaction_id = gl_lines.transaction_id
    inner join billing_document_lines
        on
            matched_pairs.document_id = billing_document_lines.document_id
            and gl_lines.memo = billing_document_lines.line_id
    where billing_document_lines.is_product_mapped

),

-- One row per differing dimension: the subsidiary of the transaction, then the
-- account, class and tax code of each revenue line.
dimension_differences as (

    select
        document_id,
        'subsidiary' as dimension,
        {{ dbt.safe_cast('gl_subsidiary_id', dbt.type_string()) }} as gl_value,
        {{ dbt.safe_cast('subsidiary_id', dbt.type_string()) }} as expected_value
    from matched_pairs
    where gl_subsidiary_id is distinct from subsidiary_id

    union all

    select
        document_id,
        {{ dbt.concat(["'account on '", 'line_id']) }} as dimension,
        gl_account_number as gl_value,
        expected_account_number as expected_value
    from line_pairs
    where gl_account_number is distinct from expected_account_number

    union all

    select
        document_id,
        {{ dbt.concat(["'class on '", 'line_id']) }} as dimension,
        gl_product_family as gl_value,
        expected_product_family as expected_value
    from line_pairs
    where gl_product_family is distinct from expected_product_family

    union all

    select
        document_id,
        {{ dbt.concat(["'tax code on '", 'line_id']) }} as dimension,
        gl_tax_code as gl_value,
        expected_tax_code as expected_value
    from line_pairs
    where
        expected_tax_code is not null
        and gl_tax_code is distinct from expected_tax_code

),

dimension_summaries as (

    select
        document_id,
        {{ dbt.listagg(
            dbt.concat([
                'dimension',
                "': GL '",
                "coalesce(gl_value, '(empty)')",
                "', expected '",
                "coalesce(expected_value, '(empty)')",
            ]),
            "'; '",
            'order by dimension',
        ) }} as detail
    from dimension_differences
    group by document_id

),

dimension_mismatches as (

    select
        'DIMENSION_MISMATCH' as reason_code,
        matched_pairs.document_id,
        matched_pairs.amount as left_amount,
        matched_pairs.gl_amount as right_amount,
        matched_pairs.gl_amount_functional as right_amount_functional,
        matched_pairs.gl_transaction_id as right_transaction_id,
        dimension_summaries.detail
    from matched_pairs
    inner join dimension_summaries
        on matched_pairs.document_id = dimension_summaries.document_id

),

document_exceptions as (

    select * from duplicate_postings
    union all
    select * from void_not_reversed
    union all
    select * from not_posted
    union all
    select * from amount_mismatches
    union all
    select * from fx_differences
    union all
    select * from period_mismatches
    union all
    select * from dimension_mismatches

),

document_rows as (

    select
        document_exceptions.reason_code,
        'billing_gl' as pair,
        documents.subsidiary_id,
        documents.period,
        documents.customer_id,
        'stripe' as source_system,
        documents.document_type as source_object,
        documents.document_id as source_id,
        'stripe' as left_system,
        documents.document_type as left_object,
        documents.document_id as left_id,
        'netsuite' as right_system,
        'transaction' as right_object,
        {{ dbt.safe_cast('document_exceptions.right_transaction_id', dbt.type_string()) }}
            as right_id,
        documents.currency_code as transaction_currency,
        document_exceptions.left_amount,
        document_exceptions.right_amount,
        document_exceptions.right_amount - document_exceptions.left_amount as difference,
        documents.functional_currency,
        cast(null as {{ dbt.type_numeric() }}) as left_amount_functional,
        document_exceptions.right_amount_functional,
        documents.document_date,
        document_exceptions.detail
    from document_exceptions
    inner join documents
        on document_exceptions.document_id = documents.document_id

),

-- FX_DIFFERENCE and PERIOD or DIMENSION reasons carry other differences than
-- the transaction-currency one: functional amounts for FX, 0 for the others.
document_rows_with_differences as (

    select
        document_rows.reason_code,
        document_rows.pair,
        document_rows.subsidiary_id,
        document_rows.period,
        document_rows.customer_id,
        document_rows.source_system,
        document_rows.source_object,
        document_rows.source_id,
        document_rows.left_system,
        document_rows.left_object,
        document_rows.left_id,
        document_rows.right_system,
        document_rows.right_object,
        document_rows.right_id,
        document_rows.transaction_currency,
        document_rows.left_amount,
        document_rows.right_amount,
        case
            when document_rows.reason_code = 'FX_DIFFERENCE'
                then
                    converted_pairs.gl_amount_functional
                    - converted_pairs.expected_amount_functional
            when document_rows.reason_code in ('PERIOD_MISMATCH', 'DIMENSION_MISMATCH')
                then 0
            else document_rows.difference
        end as difference,
        coalesce(converted_pairs.gl_functional_currency, document_rows.functional_currency)
            as functional_currency,
        case
            when document_rows.reason_code = 'FX_DIFFERENCE'
                then converted_pairs.expected_amount_functional
            else document_rows.left_amount_functional
        end as left_amount_functional,
        document_rows.right_amount_functional,
        document_rows.document_date,
        document_rows.detail
    from document_rows
    left join converted_pairs
        on
            document_rows.source_id = converted_pairs.document_id
            and document_rows.reason_code = 'FX_DIFFERENCE'

),

journals_without_source as (

    select
        'JOURNAL_WITHOUT_SOURCE' as reason_code,
        'billing_gl' as pair,
        gl_transactions.subsidiary_id,
        gl_transactions.period,
        gl_transactions.customer_id,
        'netsuite' as source_system,
        'transaction' as source_object,
        {{ dbt.safe_cast('gl_transactions.transaction_id', dbt.type_string()) }} as source_id,
        'stripe' as left_system,
        gl_transactions.external_id_kind as left_object,
        gl_transactions.external_id as left_id,
        'netsuite' as right_system,
        'transaction' as right_object,
        {{ dbt.safe_cast('gl_transactions.transaction_id', dbt.type_string()) }} as right_id,
        gl_transactions.currency_code as transaction_currency,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount,
        gl_transactions.ar_amount as right_amount,
        gl_transactions.ar_amount as difference,
        gl_transactions.functional_currency,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount_functional,
        gl_transactions.ar_amount_functional as right_amount_functional,
        gl_transactions.transaction_date as document_date,
        {{ dbt.concat([
            "'externalid '",
            'gl_transactions.external_id',
            "' names no Stripe document'",
        ]) }} as detail
    from gl_transactions
    left join stripe_document_ids
        on gl_transactions.external_id = stripe_document_ids.document_id
    where
        gl_transactions.external_id_kind in ('invoice', 'credit_note', 'charge')
        and gl_transactions.is_live
        and stripe_document_ids.document_id is null

),

final as (

    select * from document_rows_with_differences
    union all
    select * from journals_without_source

)

select * from final
