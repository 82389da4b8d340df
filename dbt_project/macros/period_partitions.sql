{#
    Accounting-period partitions of the per-period marts. A partitioned run
    passes the vars period_start and period_end ('YYYY-MM', both inclusive);
    Dagster always passes both. A bound that is not set leaves that side of
    the range open, and a build without either var rebuilds every period.
#}

{# The value of a period var, checked to be 'YYYY-MM'; none when it is not set. #}
{% macro period_var(name) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none or value | string == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set value = value | string -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-(0[1-9]|1[0-2])', value) -%}
        {{ exceptions.raise_compiler_error(
            "Invalid var " ~ name ~ " = '" ~ value
            ~ "': expected an accounting period YYYY-MM, for example 2026-11."
        ) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{# Whether the run is limited to a range of periods. #}
{% macro period_range_is_set() -%}
    {{ return(
        period_var('period_start') is not none or period_var('period_end') is not none
    ) }}
{%- endmacro %}


{#
    A predicate on a 'YYYY-MM' column that keeps the run's periods; `true`
    when no range is set. The labels sort like the periods they name, so a
    text comparison orders them.
#}
{% macro in_period_range(column) -%}
    {%- set period_start = period_var('period_start') -%}
    {%- set period_end = period_var('period_end') -%}
    {%- if period_start is not none and period_end is not none
        and period_start > period_end -%}
        {{ exceptions.raise_compiler_error(
            "Invalid period range: period_start " ~ period_start
            ~ " is after period_end " ~ period_end ~ "."
        ) }}
    {%- endif -%}
    {%- if period_start is none and period_end is none -%}
        true
    {%- elif period_end is none -%}
        {{ column }} >= '{{ period_start }}'
    {%- elif period_start is none -%}
        {{ column }} <= '{{ period_end }}'
    {%- else -%}
        {{ column }} between '{{ period_start }}' and '{{ period_end }}'
    {%- endif -%}
{%- endmacro %}


{#
    Pre-hook of a period-partitioned model: delete the run's periods from the
    existing table. The delete+insert strategy replaces only the periods that
    the new rows contain, so without this a period whose rows all disappeared
    would keep its old ones. The hook runs in the model's transaction, so
    readers see the old or the new rows of a period, never none.
#}
{% macro delete_period_range(column='period') -%}
    {%- if is_incremental() and period_range_is_set() -%}
        delete from {{ this }} where {{ in_period_range(column) }}
    {%- endif -%}
{%- endmacro %}
