{#
    Select from a relation that another part of the project creates, or from an
    empty row set with the same columns while it does not exist yet, so models
    that read it build on a fresh warehouse.

    `columns` maps each column name to its type, for example
    {'idempotency_key': 'text', 'document_id': 'text'}.
#}
{% macro select_from_optional_relation(relation, columns) -%}
    {%- set existing = none -%}
    {%- if execute -%}
        {%- set existing = adapter.get_relation(
            database=relation.database,
            schema=relation.schema,
            identifier=relation.identifier,
        ) -%}
    {%- endif -%}
    {%- if existing is not none %}
    select
        {%- for name in columns %}
        cast({{ adapter.quote(name) }} as {{ columns[name] }}) as {{ adapter.quote(name) }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- else %}
    select
        {%- for name in columns %}
        cast(null as {{ columns[name] }}) as {{ adapter.quote(name) }}
        {{- "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endif %}
{%- endmacro %}
