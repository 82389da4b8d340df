{#
    Billing and GL documents of a signed-off period that changed or disappeared in
    a later snapshot, in the columns of finance.reconciliation_exceptions.

    For each subsidiary and signed-off period, a document is compared as it was in
    the newest snapshot taken at or before the sign-off with the newest snapshot
    taken after it. Snapshot times (not load times) decide, so loading old
    snapshots late gives the same rows. Only the fields listed in
    `compared` objects below count: a payment that marks an invoice paid is not a
    restatement; a new total, due date (it moves the AR ageing) or void is.

    The most recent sign-off that covers a subsidiary and period is the reference,
    so signing a period off again after reviewing its restatements clears them.
#}

{{ config(materialized='table', schema='finance') }}

{%- set reason_code = 'RESTATED_AFTER_SIGNOFF' %}

with

{# ops.period_signoffs is created from Python; before the first sign-off
   command it may not exist, and then no period counts as signed off. #}
signoffs as (

    {{ select_from_optional_relation(
        source('ops', 'period_signoffs'),
        {
            'subsidiary_id': 'integer',
            'period': 'text',
            'signed_off_by': 'text',
            'signed_off_at': 'timestamptz',
        },
    ) }}

),

subsidiaries as (

    select
        subsidiary_id,
        functional_currency,
        time_zone
    from {{ ref('subsidiaries') }}

),

reason as (

    select
        pair,
        severity
    from {{ ref('reason_codes') }}
    where reason_code = '{{ reason_code }}'

),

currencies as (

    select
        currency_code,
        netsuite_currency_id
    from {{ ref('currencies') }}

),

loads as (

    select
        load_id,
        source as source_system,
        object as source_object,
        snapshot_at
    from {{ source('ingestion', '_loads') }}
    where status = 'loaded'

),

{# Master data read from its newest snapshot: the subsidiary of a Stripe
    customer and the month of a NetSuite posting period. #}
latest_loads as (

    select
        load_id,
        source_system,
        source_object
    from (
        select
            load_id,
            source_system,
            source_object,
            row_number() over (
                partition by source_system, source_object
                order by snapshot_at desc, load_id desc
            ) as load_rank
        from loads
    ) as ranked_loads
    where load_rank = 1

),

stripe_customers as (

    select
        customers.id as customer_id,
        cast(nullif(customers.subsidiary, '') as integer) as subsidiary_id
    from {{ source('stripe', 'customer') }} as customers
    inner join latest_loads
        on
            customers._load_id = latest_loads.load_id
            and latest_loads.source_system = 'stripe'
            and latest_loads.source_object = 'customer'

),

accounting_periods as (

    select
        periods.id as accounting_period_id,
        {{ period_label('periods.startdate') }} as period
    from {{ source('netsuite', 'accounting_period') }} as periods
    inner join latest_loads
        on
            periods._load_id = latest_loads.load_id
            and latest_loads.source_system = 'netsuite'
            and latest_loads.source_object = 'accounting_period'

),

{# Every version of every compared document, one row per load. `compared`
    holds the fields whose change is a restatement. #}
invoice_lines as (

    select
        invoice as invoice_id,
        _load_id as load_id,
        jsonb_agg(
            jsonb_build_object(
                'id', id,
                'amount', amount,
                'quantity', quantity,
                'price_id', price_id,
                'product_id', product_id,
                'tax_code', tax_code
            )
            order by id
        ) as document_lines
    from {{ source('stripe', 'invoice_line') }}
    group by invoice, _load_id

),

credit_note_lines as (

    select
        credit_note as credit_note_id,
        _load_id as load_id,
        jsonb_agg(
            jsonb_build_object(
                'id', id,
                'amount', amount,
                'quantity', quantity,
                'invoice_line_item', invoice_line_item
            )
            order by id
        ) as document_lines
    from {{ source('stripe', 'credit_note_line') }}
    group by credit_note, _load_id

),

invoice_versions as (

    select
        'stripe' as source_system,
        'invoice' as source_object,
        invoices.id as source_id,
        invoices._load_id as load_id,
        invoices.customer as customer_id,
        stripe_customers.subsidiary_id,
        upper(invoices.currency) as transaction_currency,
        invoices.total as amount,
        invoices.finalized_at as document_at,
        jsonb_build_object(
            'customer', invoices.customer,
            'currency', invoices.currency,
            'subtotal', invoices.subtotal,
            'tax', invoices.tax,
            'total', invoices.total,
            'finalized_at', invoices.finalized_at,
            'due_date', invoices.due_date,
            'voided_at', invoices.voided_at,
            'lines', coalesce(invoice_lines.document_lines, cast('[]' as jsonb))
        ) as compared
    from {{ source('stripe', 'invoice') }} as invoices
    left join stripe_customers
        on invoices.customer = stripe_customers.customer_id
    left join invoice_lines
        on
            invoices.id = invoice_lines.invoice_id
            and invoices._load_id = invoice_lines.load_id
    -- A draft has no document date and belongs to no period yet.
    where invoices.finalized_at is not null

),

credit_note_versions as (

    select
        'stripe' as source_system,
        'credit_note' as source_object,
        credit_notes.id as source_id,
        credit_notes._load_id as load_id,
        credit_notes.customer as customer_id,
        stripe_customers.subsidiary_id,
        upper(credit_notes.currency) as transaction_currency,
        -credit_notes.total as amount,
        coalesce(credit_notes.effective_at, credit_notes.created) as document_at,
        jsonb_build_object(
            'customer', credit_notes.customer,
            'invoice', credit_notes.invoice,
            'currency', credit_notes.currency,
            'subtotal', credit_notes.subtotal,
            'total', credit_notes.total,
            'status', credit_notes.status,
            'effective_at', credit_notes.effective_at,
            'created', credit_notes.created,
            'voided_at', credit_notes.voided_at,
            'lines', coalesce(credit_note_lines.document_lines, cast('[]' as jsonb))
        ) as compared
    from {{ source('stripe', 'credit_note') }} as credit_notes
    left join stripe_customers
        on credit_notes.customer = stripe_customers.customer_id
    left join credit_note_lines
        on
            credit_notes.id = credit_note_lines.credit_note_id
            and credit_notes._load_id = credit_note_lines.load_id

),

{# NetSuite transactions carry their period (postingperiod) and subsidiary.
    `status` and `lastmodifieddate` change when a payment is applied, so they are
    not compared. #}
transaction_versions as (

    select
        'netsuite' as source_system,
        'transaction' as source_object,
        cast(gl_transactions.id as text) as source_id,
        gl_transactions._load_id as load_id,
        cast(gl_transactions.entity as text) as customer_id,
        cast(gl_transactions.subsidiary as integer) as subsidiary_id,
        currencies.currency_code as transaction_currency,
        gl_transactions.foreigntotal as amount,
        gl_transactions.trandate as document_date,
        coalesce(
            accounting_periods.period,
            {{ period_label('gl_transactions.trandate') }}
        ) as period,
        jsonb_build_object(
            'type', gl_transactions.type,
            'trandate', gl_transactions.trandate,
            'postingperiod', gl_transactions.postingperiod,
            'subsidiary', gl_transactions.subsidiary,
            'entity', gl_transactions.entity,
            'currency', gl_transactions.currency,
            'exchangerate', gl_transactions.exchangerate,
            'foreigntotal', gl_transactions.foreigntotal,
            'externalid', gl_transactions.externalid,
            'voided', gl_transactions.voided,
            'reversal', gl_transactions.reversal
        ) as compared
    from {{ source('netsuite', 'transaction') }} as gl_transactions
    left join accounting_periods
        on gl_transactions.postingperiod = accounting_periods.accounting_period_id
    left join currencies
        on gl_transactions.currency = currencies.netsuite_currency_id

),

billing_versions as (

    select
        versions.source_system,
        versions.source_object,
        versions.source_id,
        versions.load_id,
        versions.customer_id,
        versions.subsidiary_id,
        versions.transaction_currency,
        versions.amount,
        versions.compared,
        {{ to_local_date('versions.document_at', 'subsidiaries.time_zone') }}
            as document_date
    from (
        select * from invoice_versions
        union all
        select * from credit_note_versions
    ) as versions
    left join subsidiaries
        on versions.subsidiary_id = subsidiaries.subsidiary_id

),

document_versions as (

    select
        billing_versions.*,
        {{ period_label('billing_versions.document_date') }} as period
    from billing_versions

    union all

    select
        source_system,
        source_object,
        source_id,
        load_id,
        customer_id,
        subsidiary_id,
        transaction_currency,
        amount,
        compared,
        document_date,
        period
    from transaction_versions

),

{# Each version with the extraction time of its snapshot. #}
document_snapshots as (

    select
        document_versions.*,
        loads.snapshot_at
    from document_versions
    inner join loads
        on document_versions.load_id = loads.load_id

),

{# One reference sign-off per subsidiary and period: an empty subsidiary_id
    signs off every subsidiary in the seed. #}
covering_signoffs as (

    select
        subsidiaries.subsidiary_id,
        signoffs.period,
        signoffs.signed_off_by,
        signoffs.signed_off_at,
        row_number() over (
            partition by subsidiaries.subsidiary_id, signoffs.period
            order by signoffs.signed_off_at desc
        ) as signoff_rank
    from signoffs
    inner join subsidiaries
        on
            signoffs.subsidiary_id = subsidiaries.subsidiary_id
            or signoffs.subsidiary_id is null

),

compared_objects as (

    select distinct
        source_system,
        source_object
    from document_snapshots

),

{# Per sign-off and object: the newest load at or before the sign-off and the
    newest load after it. #}
signoff_loads as (

    select
        covering_signoffs.subsidiary_id,
        covering_signoffs.period,
        covering_signoffs.signed_off_by,
        covering_signoffs.signed_off_at,
        compared_objects.source_system,
        compared_objects.source_object,
        (
            select loads.load_id
            from loads
            where
                loads.source_system = compared_objects.source_system
                and loads.source_object = compared_objects.source_object
                and loads.snapshot_at <= covering_signoffs.signed_off_at
            order by loads.snapshot_at desc, loads.load_id desc
            limit 1
        ) as before_load_id,
        (
            select loads.load_id
            from loads
            where
                loads.source_system = compared_objects.source_system
                and loads.source_object = compared_objects.source_object
                and loads.snapshot_at > covering_signoffs.signed_off_at
            order by loads.snapshot_at desc, loads.load_id desc
            limit 1
        ) as after_load_id
    from covering_signoffs
    cross join compared_objects
    where covering_signoffs.signoff_rank = 1

),

restated as (

    select
        before_version.source_system,
        before_version.source_object,
        before_version.source_id,
        before_version.customer_id,
        before_version.transaction_currency,
        before_version.amount as amount_before,
        after_version.amount as amount_after,
        before_version.document_date,
        before_version.compared as compared_before,
        after_version.compared as compared_after,
        before_version.snapshot_at as snapshot_before,
        after_loads.snapshot_at,
        signoff_loads.subsidiary_id,
        signoff_loads.period,
        signoff_loads.signed_off_by,
        signoff_loads.signed_off_at,
        case
            when after_version.source_id is null then 'disappeared'
            else 'changed'
        end as change_kind
    from signoff_loads
    inner join loads as after_loads
        on signoff_loads.after_load_id = after_loads.load_id
    inner join document_snapshots as before_version
        on
            signoff_loads.before_load_id = before_version.load_id
            and signoff_loads.source_system = before_version.source_system
            and signoff_loads.source_object = before_version.source_object
            and signoff_loads.subsidiary_id = before_version.subsidiary_id
            and signoff_loads.period = before_version.period
    left join document_snapshots as after_version
        on
            signoff_loads.after_load_id = after_version.load_id
            and before_version.source_system = after_version.source_system
            and before_version.source_object = after_version.source_object
            and before_version.source_id = after_version.source_id
    where
        after_version.source_id is null
        or before_version.compared is distinct from after_version.compared

),

{# The compared fields whose value differs, each with its value before and
    after; a disappeared document lists every field with an empty `after`. #}
changed_fields as (

    select
        restated.*,
        (
            select
                jsonb_object_agg(
                    coalesce(before_fields.key, after_fields.key),
                    jsonb_build_object(
                        'before', before_fields.value,
                        'after', after_fields.value
                    )
                )
            from jsonb_each(restated.compared_before) as before_fields
            full outer join
                jsonb_each(coalesce(restated.compared_after, cast('{}' as jsonb)))
                    as after_fields
                on before_fields.key = after_fields.key
            where before_fields.value is distinct from after_fields.value
        ) as changes
    from restated

),

final as (

    select
        md5(
            '{{ reason_code }}|' || changed_fields.source_system || '|'
            || changed_fields.source_object || '|' || changed_fields.source_id
            || '|' || changed_fields.subsidiary_id || '|' || changed_fields.period
        ) as exception_id,
        '{{ reason_code }}' as reason_code,
        reason.pair,
        reason.severity,
        changed_fields.subsidiary_id,
        changed_fields.period,
        changed_fields.customer_id,
        changed_fields.source_system,
        changed_fields.source_object,
        changed_fields.source_id,
        changed_fields.source_system as left_system,
        changed_fields.source_object as left_object,
        changed_fields.source_id as left_id,
        case
            when changed_fields.change_kind = 'changed'
                then changed_fields.source_system
        end as right_system,
        case
            when changed_fields.change_kind = 'changed'
                then changed_fields.source_object
        end as right_object,
        case
            when changed_fields.change_kind = 'changed'
                then changed_fields.source_id
        end as right_id,
        changed_fields.transaction_currency,
        cast(null as numeric) as left_amount,
        cast(null as numeric) as right_amount,
        cast(0 as numeric) as difference,
        subsidiaries.functional_currency,
        cast(null as numeric) as left_amount_functional,
        cast(null as numeric) as right_amount_functional,
        cast(0 as numeric) as difference_functional,
        changed_fields.document_date,
        cast(changed_fields.snapshot_at as date)
        - changed_fields.document_date as age_days,
        cast(jsonb_build_object(
            'change', changed_fields.change_kind,
            'signed_off_by', changed_fields.signed_off_by,
            'signed_off_at', changed_fields.signed_off_at,
            'snapshot_before', changed_fields.snapshot_before,
            'snapshot_after', changed_fields.snapshot_at,
            'amount_before', changed_fields.amount_before,
            'amount_after', changed_fields.amount_after,
            'fields', changed_fields.changes
        ) as text) as detail,
        changed_fields.snapshot_at
    from changed_fields
    cross join reason
    left join subsidiaries
        on changed_fields.subsidiary_id = subsidiaries.subsidiary_id

)

select * from final
