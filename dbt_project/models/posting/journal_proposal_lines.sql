-- Summary journals that would post the billing documents the GL is missing.
-- One journal (proposal_id) per subsidiary, accounting period and transaction
-- currency: an accounts receivable line for the net of its invoices and credit
-- notes, and one revenue line per revenue account, product family and tax code.
-- Documents that a tieout journal already covers (posting.posted_documents)
-- stay out, so a later proposal never posts them a second time while the ERP
-- snapshot that shows the journal is still to be loaded.
-- Partitioned by accounting period like the finance marts: with the vars
-- period_start and period_end ('YYYY-MM') a run replaces only those periods'
-- journals; without them it rebuilds the table (macros/period_partitions.sql).
-- The summary mart is an upstream only for ordering: its blocking quality
-- check then runs before proposals are built, and a failure stops them.
-- depends_on: {{ ref('reconciliation_summary') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period',
        on_schema_change='fail',
        full_refresh=not period_range_is_set(),
        pre_hook="{{ delete_period_range() }}",
        tags=['period_partitioned'],
        schema='posting',
        meta={
            'dagster': {
                'asset_key': ['posting', 'journal_proposal_lines'],
                'group': 'posting',
            },
        },
    )
}}

with

exceptions as (

    select * from {{ ref('reconciliation_exceptions') }}

),

document_lines as (

    select * from {{ ref('billing_document_lines') }}
    where {{ in_period_range('period') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

subsidiaries as (

    select * from {{ ref('subsidiaries') }}

),

gl_accounts as (

    select * from {{ ref('gl_accounts') }}

),

posted_documents as (

    {{ select_from_optional_relation(
        api.Relation.create(
            database=target.database,
            schema='posting',
            identifier='posted_documents',
        ),
        {'document_id': 'text'},
    ) }}

),

receivable_account as (

    select cast(min(account_number) as {{ dbt.type_string() }}) as account_number
    from gl_accounts
    where account_role = 'accounts_receivable'

),

suspense_account as (

    select cast(min(account_number) as {{ dbt.type_string() }}) as account_number
    from gl_accounts
    where account_role = 'suspense'

),

unposted_documents as (

    select distinct exceptions.source_id as document_id
    from exceptions
    left join posted_documents
        on exceptions.source_id = posted_documents.document_id
    where
        exceptions.reason_code = 'INVOICE_NOT_POSTED'
        and exceptions.source_object in ('invoice', 'credit_note')
        and posted_documents.document_id is null

),

source_lines as (

    select
        document_lines.document_id,
        document_lines.document_type,
        document_lines.subsidiary_id,
        document_lines.period,
        upper(document_lines.currency) as currency,
        document_lines.amount,
        document_lines.product_family,
        document_lines.tax_code,
        coalesce(
            cast(document_lines.revenue_account_number as {{ dbt.type_string() }}),
            suspense_account.account_number
        ) as account_number,
        -- Reaches back to the CRM contract and the billing document.
        {{ dbt.concat([
            "'sf:'",
            "coalesce(document_lines.salesforce_contract_id, '')",
            "'|stripe:'",
            "document_lines.document_id",
        ]) }} as correlation_id,
        {{ dbt.concat([
            "'JP-'",
            "cast(document_lines.subsidiary_id as " ~ dbt.type_string() ~ ")",
            "'-'",
            "document_lines.period",
            "'-'",
            "upper(document_lines.currency)",
        ]) }} as proposal_id
    from document_lines
    inner join unposted_documents
        on document_lines.document_id = unposted_documents.document_id
    cross join suspense_account

),

-- Positive amounts are invoice lines (revenue credits), negative amounts credit
-- note lines (revenue debits). Each group posts its net.
-- NOTE: jsonb_agg is PostgreSQL's; another adapter needs its own array aggregate.
revenue_groups as (

    select
        proposal_id,
        'revenue' as line_type,
        account_number,
        product_family,
        tax_code,
        sum(amount) as net_amount,
        count(distinct document_id) as document_count,
        jsonb_agg(distinct document_id order by document_id) as source_documents,
        jsonb_agg(distinct correlation_id order by correlation_id) as correlation_ids
    from source_lines
    group by proposal_id, account_number, product_family, tax_code

),

receivable_groups as (

    select
        source_lines.proposal_id,
        'receivable' as line_type,
        receivable_account.account_number,
        cast(null as {{ dbt.type_string() }}) as product_family,
        cast(null as {{ dbt.type_string() }}) as tax_code,
        -- The receivable moves against revenue: the sign flips.
        -sum(source_lines.amount) as net_amount,
        count(distinct source_lines.document_id) as document_count,
        jsonb_agg(distinct source_lines.document_id order by source_lines.document_id)
            as source_documents,
        jsonb_agg(distinct source_lines.correlation_id order by source_lines.correlation_id)
            as correlation_ids
    from source_lines
    cross join receivable_account
    group by source_lines.proposal_id, receivable_account.account_number

),

journal_groups as (

    select * from receivable_groups
    union all
    select * from revenue_groups

),

headers as (

    select distinct
        source_lines.proposal_id,
        source_lines.subsidiary_id,
        source_lines.period,
        source_lines.currency,
        subsidiaries.functional_currency,
        fx_rates.average_rate as exchange_rate,
        {{ dbt.last_day(
            "cast(" ~ dbt.concat(["source_lines.period", "'-01'"]) ~ " as date)",
            "month",
        ) }} as journal_date
    from source_lines
    left join subsidiaries
        on source_lines.subsidiary_id = subsidiaries.subsidiary_id
    left join fx_rates
        on
            source_lines.period = fx_rates.period
            and source_lines.currency = fx_rates.from_currency
            and subsidiaries.functional_currency = fx_rates.to_currency

),

-- A group whose documents net to zero posts no line, but its documents are still
-- listed on the receivable line. When a whole journal nets to zero there is no
-- proposal, and its INVOICE_NOT_POSTED exceptions stay open for a person to clear.
lines as (

    select
        journal_groups.*,
        case when journal_groups.net_amount < 0 then -journal_groups.net_amount else 0 end
            as debit,
        case when journal_groups.net_amount > 0 then journal_groups.net_amount else 0 end
            as credit,
        row_number() over (
            partition by journal_groups.proposal_id
            order by
                case when journal_groups.line_type = 'receivable' then 0 else 1 end,
                journal_groups.account_number,
                journal_groups.product_family,
                journal_groups.tax_code
        ) as line_number
    from journal_groups
    where journal_groups.net_amount != 0

),

final as (

    select
        lines.proposal_id,
        cast(lines.line_number as integer) as line_number,
        {{ dbt.concat([
            "lines.proposal_id",
            "':'",
            "cast(lines.line_number as " ~ dbt.type_string() ~ ")",
        ]) }} as proposal_line_id,
        lines.line_type,
        cast(headers.subsidiary_id as integer) as subsidiary_id,
        headers.period,
        headers.currency,
        headers.functional_currency,
        headers.exchange_rate,
        cast(headers.journal_date as date) as journal_date,
        lines.account_number,
        lines.product_family,
        lines.tax_code,
        lines.debit,
        lines.credit,
        case
            when lines.line_type = 'receivable' then 'Receivable'
            else
                'Revenue ' || coalesce(lines.product_family, 'unmapped')
                || ' ' || coalesce(lines.tax_code, 'no tax code')
        end
        || ', billing documents: ' || lines.document_count as memo,
        cast(lines.document_count as integer) as document_count,
        lines.source_documents,
        lines.correlation_ids
    from lines
    inner join headers
        on lines.proposal_id = headers.proposal_id

)

select * from final
