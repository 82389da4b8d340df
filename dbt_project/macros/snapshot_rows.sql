{#
    Select the rows of one raw table that belong to the snapshot in use, with the
    load id and snapshot time of that snapshot as `_load_id` and `_snapshot_at`.

    By default that is the newest load with status `loaded` of the raw object
    (the ingestion view `_latest_loads`). Setting the var `snapshot_at` to an ISO
    8601 timestamp picks, per object, the newest loaded snapshot taken at or
    before that time, so a run can rebuild the marts as of an earlier snapshot.

    With the var `raw_uses_load_manifest` set to false, the raw schema is read as
    a single current copy (as an ELT connector keeps it): every row is selected,
    `_load_id` is null unless the table has one, and `_snapshot_at` is the var
    `snapshot_at`, or the run's start time.

    `load_object` names the object in the load manifest when it differs from the
    table: child tables such as `invoice_line` arrive in the load of `invoice`.
#}
{% macro latest_snapshot_rows(source_name, table_name, load_object=none) -%}
    {%- set object_name = load_object or table_name -%}
    {%- set as_of = var('snapshot_at', none) -%}
    {%- if var('raw_uses_load_manifest', true) %}
    select
        raw_rows.*,
        snapshot_load.snapshot_at as _snapshot_at
    from {{ source(source_name, table_name) }} as raw_rows
    inner join (
        {{ snapshot_load(source_name, object_name, as_of) }}
    ) as snapshot_load
        on raw_rows._load_id = snapshot_load.load_id
    {%- else %}
    {%- set relation = source(source_name, table_name) %}
    {%- set column_names = [] %}
    {%- if execute %}
        {%- for column in adapter.get_columns_in_relation(relation) %}
            {%- do column_names.append(column.name | lower) %}
        {%- endfor %}
    {%- endif %}
    select
        raw_rows.*,
        {%- if '_load_id' not in column_names %}
        cast(null as {{ dbt.type_string() }}) as _load_id,
        {%- endif %}
        {{ snapshot_time_literal(as_of) }} as _snapshot_at
    from {{ relation }} as raw_rows
    {%- endif %}
{%- endmacro %}


{#
    The one load (load_id, snapshot_at) of a source object that staging reads.
#}
{% macro snapshot_load(source_name, object_name, as_of=none) -%}
    {%- if as_of is none %}
        select
            latest_loads.load_id,
            latest_loads.snapshot_at
        from {{ source('ingestion', '_latest_loads') }} as latest_loads
        where
            latest_loads.source = '{{ source_name }}'
            and latest_loads.object = '{{ object_name }}'
    {%- else %}
        select
            ranked_loads.load_id,
            ranked_loads.snapshot_at
        from (
            select
                loads.load_id,
                loads.snapshot_at,
                row_number() over (
                    order by loads.snapshot_at desc, loads.load_id desc
                ) as load_rank
            from {{ source('ingestion', '_loads') }} as loads
            where
                loads.source = '{{ source_name }}'
                and loads.object = '{{ object_name }}'
                and loads.status = 'loaded'
                and loads.snapshot_at <= {{ snapshot_time_literal(as_of) }}
        ) as ranked_loads
        where ranked_loads.load_rank = 1
    {%- endif %}
{%- endmacro %}


{% macro snapshot_time_literal(as_of=none) -%}
    {%- if as_of is none -%}
        cast('{{ run_started_at.isoformat() }}' as {{ type_timestamp_tz() }})
    {%- else -%}
        cast('{{ as_of }}' as {{ type_timestamp_tz() }})
    {%- endif -%}
{%- endmacro %}
