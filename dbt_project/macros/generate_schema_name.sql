{#
    Use a model's custom schema name as it is (canonical, finance) instead of
    dbt's default of prefixing it with the target schema (staging_canonical).
    Models without a custom schema land in the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
