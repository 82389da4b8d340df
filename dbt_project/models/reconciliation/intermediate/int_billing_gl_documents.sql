-- How each billing document in scope found its GL posting. One row per finalized
-- invoice and per credit note, with the match rule that linked it:
--   reference       one live GL transaction whose externalid is the document id
--   rule            a CustInvc or CustCred without externalid, matched by customer,
--                   currency, amount within tolerance and date within the window
--   many_to_one     a Journal without externalid whose AR debit equals the total of
--                   the subsidiary's unposted invoices of its period and currency
--   correlation_id  a journal tieout posted, whose externalid is an idempotency key
--                   listed with the document in posting.posted_documents
-- A live transaction is neither voided nor reversed. Void invoices and documents
-- with several live references take no rule, many-to-one or correlation match:
-- their exceptions (VOID_NOT_REVERSED, DUPLICATE_POSTING) say what to fix.
with

billing_documents as (

    select * from {{ ref('billing_documents') }}
    where is_finalized

),

gl_transactions as (

    select * from {{ ref('gl_transactions') }}

),

posted_documents as (

    select * from {{ ref('int_posted_documents') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

match_windows as (

    select * from {{ ref('match_windows') }}

),

billing_gl_window as (

    select coalesce(max(date_window_days), 0) as date_window_days
    from match_windows
    where pair = 'billing_gl'

),

reference_postings as (

    select
        billing_documents.document_id,
        count(*) as reference_count,
        sum(case when gl_transactions.is_live then 1 else 0 end) as live_reference_count,
        sum(case when gl_transactions.is_live then gl_transactions.ar_amount else 0 end)
            as live_ar_amount,
        sum(
            case when gl_transactions.is_live then gl_transactions.ar_amount_functional else 0 end
        ) as live_ar_amount_functional,
        min(case when gl_transactions.is_live then gl_transactions.transaction_id end)
            as first_live_transaction_id,
        {{ dbt.listagg(
            dbt.safe_cast('gl_transactions.transaction_id', dbt.type_string()),
            "', '",
            'order by gl_transactions.transaction_id',
        ) }} as referencing_transaction_ids
    from billing_documents
    inner join gl_transactions
        on billing_documents.document_id = gl_transactions.external_id
    group by billing_documents.document_id

),

correlation_postings as (

    select
        posted_documents.document_id,
        min(gl_transactions.transaction_id) as transaction_id,
        min(posted_documents.idempotency_key) as idempotency_key,
        sum(gl_transactions.ar_amount) as ar_amount
    from posted_documents
    inner join gl_transactions
        on posted_documents.idempotency_key = gl_transactions.external_id
    where gl_transactions.is_live
    group by posted_documents.document_id

),

documents as (

    select
        billing_documents.*,
        coalesce(reference_postings.reference_count, 0) as reference_count,
        coalesce(reference_postings.live_reference_count, 0) as live_reference_count,
        reference_postings.live_ar_amount,
        reference_postings.live_ar_amount_functional,
        reference_postings.first_live_transaction_id,
        reference_postings.referencing_transaction_ids,
        correlation_postings.transaction_id as correlation_transaction_id,
        correlation_postings.idempotency_key,
        correlation_postings.ar_amount as correlation_ar_amount,
        currencies.absolute_tolerance,
        currencies.relative_tolerance
    from billing_documents
    left join reference_postings
        on billing_documents.document_id = reference_postings.document_id
    left join correlation_postings
        on billing_documents.document_id = correlation_postings.document_id
    left join currencies
        on billing_documents.currency_code = currencies.currency_code

),

-- Documents that still need a posting once references and tieout's own
-- journals are taken into account.
unposted_documents as (

    select * from documents
    where
        not is_void
        and live_reference_count = 0
        and correlation_transaction_id is null

),

-- GL transactions that no reference or correlation claims.
unclaimed_transactions as (

    select gl_transactions.*
    from gl_transactions
    where
        gl_transactions.is_live
        and gl_transactions.external_id is null

),

rule_candidates as (

    select
        unposted_documents.document_id,
        unclaimed_transactions.transaction_id,
        abs(unclaimed_transactions.ar_amount - unposted_documents.amount) as amount_residual,
        abs({{ dbt.datediff(
            'unposted_documents.document_date',
            'unclaimed_transactions.transaction_date',
            'day',
        ) }}) as date_distance_days,
        {{ tolerance_amount(
            'unposted_documents.absolute_tolerance',
            'unposted_documents.relative_tolerance',
            'unposted_documents.amount',
        ) }} as tolerance_used
    from unposted_documents
    inner join unclaimed_transactions
        on
            unposted_documents.customer_id = unclaimed_transactions.customer_id
            and unposted_documents.currency_code = unclaimed_transactions.currency_code
            and (
                (
                    unposted_documents.document_type = 'invoice'
                    and unclaimed_transactions.transaction_type = 'CustInvc'
                )
                or (
                    unposted_documents.document_type = 'credit_note'
                    and unclaimed_transactions.transaction_type = 'CustCred'
                )
            )
    cross join billing_gl_window
    where
        {{ within_tolerance(
            'unclaimed_transactions.ar_amount - unposted_documents.amount',
            'unposted_documents.absolute_tolerance',
            'unposted_documents.relative_tolerance',
            'unposted_documents.amount',
        ) }}
        and abs({{ dbt.datediff(
            'unposted_documents.document_date',
            'unclaimed_transactions.transaction_date',
            'day',
        ) }}) <= billing_gl_window.date_window_days

),

{{ one_to_one_assignment(
    'rule_candidates',
    'document_id',
    'transaction_id',
    'amount_residual, date_distance_days, transaction_id, document_id',
    'rule',
) }},

-- Invoices still unposted after rule matching, per subsidiary, period and currency.
summary_groups as (

    select
        unposted_documents.subsidiary_id,
        unposted_documents.accounting_period_id,
        unposted_documents.currency_code,
        count(*) as invoice_count,
        sum(unposted_documents.amount) as invoice_total,
        max(unposted_documents.absolute_tolerance) as absolute_tolerance,
        max(unposted_documents.relative_tolerance) as relative_tolerance
    from unposted_documents
    left join rule_assigned
        on unposted_documents.document_id = rule_assigned.document_id
    where
        unposted_documents.document_type = 'invoice'
        and rule_assigned.document_id is null
    group by
        unposted_documents.subsidiary_id,
        unposted_documents.accounting_period_id,
        unposted_documents.currency_code

),

summary_journals as (

    select
        summary_groups.subsidiary_id,
        summary_groups.accounting_period_id,
        summary_groups.currency_code,
        min(unclaimed_transactions.transaction_id) as transaction_id,
        min(unclaimed_transactions.ar_amount) as ar_amount,
        min(unclaimed_transactions.ar_amount_functional) as ar_amount_functional,
        min(unclaimed_transactions.ar_amount) - min(summary_groups.invoice_total)
            as group_residual,
        min({{ tolerance_amount(
            'summary_groups.absolute_tolerance',
            'summary_groups.relative_tolerance',
            'summary_groups.invoice_total',
        ) }}) as tolerance_used
    from summary_groups
    inner join unclaimed_transactions
        on
            summary_groups.subsidiary_id = unclaimed_transactions.subsidiary_id
            and summary_groups.accounting_period_id = unclaimed_transactions.accounting_period_id
            and summary_groups.currency_code = unclaimed_transactions.currency_code
    where
        unclaimed_transactions.transaction_type = 'Journal'
        and unclaimed_transactions.ar_amount > 0
        and {{ within_tolerance(
            'unclaimed_transactions.ar_amount - summary_groups.invoice_total',
            'summary_groups.absolute_tolerance',
            'summary_groups.relative_tolerance',
            'summary_groups.invoice_total',
        ) }}
    group by
        summary_groups.subsidiary_id,
        summary_groups.accounting_period_id,
        summary_groups.currency_code
    -- Two journals that each equal the total would both claim the invoices.
    having count(*) = 1

),

final as (

    select
        documents.document_id,
        documents.document_type,
        documents.customer_id,
        documents.subsidiary_id,
        documents.currency_code,
        documents.functional_currency,
        documents.amount,
        documents.is_void,
        documents.document_date,
        documents.accounting_period_id,
        documents.period,
        documents.reference_count,
        documents.live_reference_count,
        documents.referencing_transaction_ids,
        documents.live_ar_amount,
        documents.live_ar_amount_functional,
        case
            when documents.is_void then null
            when documents.live_reference_count = 1 then 'reference'
            when documents.live_reference_count > 1 then null
            when documents.correlation_transaction_id is not null then 'correlation_id'
            when rule_assigned.transaction_id is not null then 'rule'
            when summary_journals.transaction_id is not null then 'many_to_one'
        end as match_rule,
        case
            when documents.is_void or documents.live_reference_count > 1 then null
            when documents.live_reference_count = 1 then documents.first_live_transaction_id
            when documents.correlation_transaction_id is not null
                then documents.correlation_transaction_id
            else coalesce(rule_assigned.transaction_id, summary_journals.transaction_id)
        end as matched_transaction_id,
        case
            when documents.correlation_transaction_id is not null
                then documents.idempotency_key
            when summary_journals.transaction_id is not null
                then {{ dbt.safe_cast('summary_journals.transaction_id', dbt.type_string()) }}
        end as group_id,
        rule_assigned.date_distance_days as rule_date_distance_days,
        coalesce(rule_assigned.tolerance_used, summary_journals.tolerance_used)
            as tolerance_used,
        summary_journals.group_residual,
        documents.absolute_tolerance,
        documents.relative_tolerance
    from documents
    left join rule_assigned
        on documents.document_id = rule_assigned.document_id
    left join summary_journals
        on
            documents.document_type = 'invoice'
            and not documents.is_void
            and documents.live_reference_count = 0
            and documents.correlation_transaction_id is null
            and rule_assigned.document_id is null
            and documents.subsidiary_id = summary_journals.subsidiary_id
            and documents.accounting_period_id = summary_journals.accounting_period_id
            and documents.currency_code = summary_journals.currency_code

)

select * from final
