{#
    SQL that differs between databases, behind adapter.dispatch. Each macro has a
    postgres__ implementation and a default__ one written for Snowflake-style
    SQL, so another adapter overrides only what it spells differently.
#}

{# A timestamp type that keeps the instant (timestamptz in PostgreSQL). #}
{% macro type_timestamp_tz() -%}
    {{ return(adapter.dispatch('type_timestamp_tz', 'tieout')()) }}
{%- endmacro %}

{% macro default__type_timestamp_tz() -%}
    timestamp_tz
{%- endmacro %}

{% macro postgres__type_timestamp_tz() -%}
    timestamptz
{%- endmacro %}


{#
    The wall-clock time of an instant in an IANA time zone, as a timestamp
    without time zone: 2024-11-01 06:30 UTC in America/Los_Angeles is
    2024-10-31 23:30.
#}
{% macro to_local_timestamp(timestamp_expression, time_zone_expression) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'tieout')(
        timestamp_expression, time_zone_expression
    )) }}
{%- endmacro %}

{% macro default__to_local_timestamp(timestamp_expression, time_zone_expression) -%}
    convert_timezone({{ time_zone_expression }}, {{ timestamp_expression }})
{%- endmacro %}

{% macro postgres__to_local_timestamp(timestamp_expression, time_zone_expression) -%}
    timezone({{ time_zone_expression }}, {{ timestamp_expression }})
{%- endmacro %}


{# The calendar date of an instant in an IANA time zone. #}
{% macro to_local_date(timestamp_expression, time_zone_expression) -%}
    cast({{ to_local_timestamp(timestamp_expression, time_zone_expression) }} as date)
{%- endmacro %}


{#
    A text value at a path inside a JSON document, for example
    json_text('_record', ['price', 'recurring', 'interval_count']).
#}
{% macro json_text(json_expression, path) -%}
    {{ return(adapter.dispatch('json_text', 'tieout')(json_expression, path)) }}
{%- endmacro %}

{% macro default__json_text(json_expression, path) -%}
    json_extract_path_text({{ json_expression }}, '{{ path | join("', '") }}')
{%- endmacro %}

{% macro postgres__json_text(json_expression, path) -%}
    {{ json_expression }} #>> '{{ "{" ~ (path | join(",")) ~ "}" }}'
{%- endmacro %}


{# An accounting period label 'YYYY-MM' for a date. #}
{% macro period_label(date_expression) -%}
    {{ return(adapter.dispatch('period_label', 'tieout')(date_expression)) }}
{%- endmacro %}

{% macro default__period_label(date_expression) -%}
    to_char({{ date_expression }}, 'YYYY-MM')
{%- endmacro %}

{% macro postgres__period_label(date_expression) -%}
    to_char({{ date_expression }}, 'YYYY-MM')
{%- endmacro %}
