{#
    ANALYZE a model's table once it is built, as a post-hook.

    PostgreSQL has no statistics on a table that CREATE TABLE AS has just
    written until autovacuum samples it, which on a busy server is minutes
    later. The next model then plans its joins with default guesses: on a
    million billing documents it estimated 200 groups where there were over
    a million, and chose a nested loop that was still running after 17 minutes. Views have nothing
    to analyze; their underlying tables are analyzed instead. Seeds are small
    and loaded before any model runs.
#}
{% macro analyze_table() %}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{% endmacro %}
