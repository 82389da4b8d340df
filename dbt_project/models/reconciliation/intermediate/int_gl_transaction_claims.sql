-- Every GL transaction with an accounts-receivable line and what explains it:
-- a Stripe object named by its externalid, a rule, many-to-one or correlation
-- match, or an exception of its own. The rest is AR movement that no billing
-- document explains.
with

gl_transactions as (

    select * from {{ ref('gl_transactions') }}
    where ar_line_count > 0

),

billing_gl_documents as (

    select * from {{ ref('int_billing_gl_documents') }}

),

posted_documents as (

    select * from {{ ref('int_posted_documents') }}

),

-- Stripe ids of any loaded snapshot, as for JOURNAL_WITHOUT_SOURCE: a posting of
-- a document that disappeared later is a restatement, not unexplained AR.
stripe_object_ids as (

    select id as object_id from {{ source('stripe', 'invoice') }}
    union all
    select id as object_id from {{ source('stripe', 'credit_note') }}
    union all
    select id as object_id from {{ source('stripe', 'charge') }}
    union all
    select id as object_id from {{ source('stripe', 'refund') }}
    union all
    select id as object_id from {{ source('stripe', 'payout') }}

),

distinct_object_ids as (

    select distinct object_id from stripe_object_ids

),

idempotency_keys as (

    select distinct idempotency_key from posted_documents

),

matched_transactions as (

    select distinct
        matched_transaction_id as transaction_id,
        match_rule
    from billing_gl_documents
    where match_rule in ('rule', 'many_to_one', 'correlation_id')

),

claims as (

    select
        gl_transactions.transaction_id,
        case
            when not gl_transactions.is_live then 'voided_or_reversed'
            when distinct_object_ids.object_id is not null then 'reference'
            when gl_transactions.external_id_kind in ('invoice', 'credit_note', 'charge')
                then 'journal_without_source'
            when idempotency_keys.idempotency_key is not null then 'correlation_id'
            when matched_transactions.transaction_id is not null
                then matched_transactions.match_rule
        end as claimed_by
    from gl_transactions
    left join distinct_object_ids
        on gl_transactions.external_id = distinct_object_ids.object_id
    left join idempotency_keys
        on gl_transactions.external_id = idempotency_keys.idempotency_key
    left join matched_transactions
        on gl_transactions.transaction_id = matched_transactions.transaction_id

),

final as (

    select
        gl_transactions.transaction_id,
        gl_transactions.transaction_type,
        gl_transactions.subsidiary_id,
        gl_transactions.accounting_period_id,
        gl_transactions.period,
        gl_transactions.currency_code,
        gl_transactions.functional_currency,
        gl_transactions.external_id,
        gl_transactions.is_live,
        gl_transactions.ar_amount,
        gl_transactions.ar_amount_functional,
        claims.claimed_by,
        claims.claimed_by is null as is_unexplained
    from gl_transactions
    inner join claims
        on gl_transactions.transaction_id = claims.transaction_id

)

select * from final
