with

netsuite_accounts as (

    select * from {{ ref('stg_netsuite__accounts') }}

),

gl_accounts as (

    select * from {{ ref('gl_accounts') }}

),

final as (

    select
        netsuite_accounts.account_id,
        netsuite_accounts.account_number,
        coalesce(netsuite_accounts.account_name, gl_accounts.account_name) as account_name,
        netsuite_accounts.account_type,
        gl_accounts.account_role,
        coalesce(
            gl_accounts.account_role = 'accounts_receivable'
            or (gl_accounts.account_role is null and netsuite_accounts.account_type = 'AcctRec'),
            false
        ) as is_accounts_receivable,
        netsuite_accounts.is_inactive,
        netsuite_accounts.is_summary
    from netsuite_accounts
    left join gl_accounts
        on netsuite_accounts.account_number = gl_accounts.account_number

)

select * from final
