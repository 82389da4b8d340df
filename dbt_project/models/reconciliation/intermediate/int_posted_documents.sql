-- Documents covered by journals that tieout posted: the posting log lists each
-- idempotency key with the documents its journal covers, and the journal
-- carries the key as its externalid. Until the posting schema exists this is
-- empty.
with

posted_documents as (

    {{ select_from_optional_relation(
        source('posting', 'posted_documents'),
        {
            'idempotency_key': 'text',
            'document_id': 'text',
            'correlation_id': 'text',
        },
    ) }}

),

final as (

    select distinct
        idempotency_key,
        document_id,
        correlation_id
    from posted_documents
    where idempotency_key is not null and document_id is not null

)

select * from final
