-- Every proposed journal balances in its transaction currency, and every line
-- carries exactly one positive amount. Returns the journals that do not.
with

lines as (

    select * from {{ ref('journal_proposal_lines') }}

),

bad_lines as (

    select proposal_id
    from lines
    where
        debit < 0
        or credit < 0
        or (debit = 0 and credit = 0)
        or (debit != 0 and credit != 0)

),

totals as (

    select
        proposal_id,
        currency,
        sum(debit) as total_debit,
        sum(credit) as total_credit,
        count(distinct subsidiary_id) as subsidiary_count,
        count(distinct period) as period_count
    from lines
    group by proposal_id, currency

),

final as (

    select
        totals.proposal_id,
        totals.currency,
        totals.total_debit,
        totals.total_credit
    from totals
    where
        totals.total_debit != totals.total_credit
        or totals.subsidiary_count != 1
        or totals.period_count != 1
        or totals.proposal_id in (select bad_lines.proposal_id from bad_lines)

)

select * from final
