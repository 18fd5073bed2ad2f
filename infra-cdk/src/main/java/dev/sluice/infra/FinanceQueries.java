package dev.sluice.infra;

import java.util.List;

/**
 * The Athena queries finance starts from, saved in the stack's workgroup and printed in the root README
 * ("Finance: every request in Athena"); FinanceQueriesTest keeps the two copies equal.
 *
 * <p>Each query first reduces the events to one per {@code requestid}: the stream is delivered at least once, and a
 * request must never be counted twice. Cost is integer micro-USD; it becomes USD as an exact decimal, never a
 * double. The {@code year}/{@code month} filters are partitions (the day Firehose received the event), so a query
 * reads only the files of that period; change the literals to the period you need.
 */
final class FinanceQueries {

    record Query(String id, String name, String description, String sql) {}

    static final Query SPEND_BY_TENANT_AND_MONTH = new Query(
            "SpendByTenantAndMonth",
            "Spend by tenant and month",
            "USD, requests and tokens per tenant and calendar month (UTC) of one year",
            """
            WITH requests AS (
              SELECT requestid,
                     arbitrary(tenantid) AS tenantid,
                     arbitrary(timestampms) AS timestampms,
                     arbitrary(prompttokens) AS prompttokens,
                     arbitrary(completiontokens) AS completiontokens,
                     arbitrary(costmicros) AS costmicros
              FROM usage_events
              WHERE year = '2026'
              GROUP BY requestid
            )
            SELECT tenantid AS tenant,
                   date_format(from_unixtime(timestampms / 1000), '%Y-%m') AS month,
                   count(*) AS requests,
                   sum(prompttokens) AS prompt_tokens,
                   sum(completiontokens) AS completion_tokens,
                   CAST(sum(costmicros) AS DECIMAL(38, 6)) / 1000000 AS usd
            FROM requests
            GROUP BY 1, 2
            ORDER BY month, usd DESC
            """);

    static final Query SPEND_BY_MODEL = new Query(
            "SpendByModel",
            "Spend by model",
            "USD, requests, cache hits and tokens per model alias, provider and upstream model in one month",
            """
            WITH requests AS (
              SELECT requestid,
                     arbitrary(alias) AS alias,
                     arbitrary(provider) AS provider,
                     arbitrary(upstreammodel) AS upstreammodel,
                     arbitrary(cachehit) AS cachehit,
                     arbitrary(prompttokens) AS prompttokens,
                     arbitrary(completiontokens) AS completiontokens,
                     arbitrary(costmicros) AS costmicros
              FROM usage_events
              WHERE year = '2026' AND month = '12'
              GROUP BY requestid
            )
            SELECT alias,
                   provider,
                   upstreammodel AS upstream_model,
                   count(*) AS requests,
                   count_if(cachehit) AS cache_hits,
                   sum(prompttokens) AS prompt_tokens,
                   sum(completiontokens) AS completion_tokens,
                   CAST(sum(costmicros) AS DECIMAL(38, 6)) / 1000000 AS usd
            FROM requests
            GROUP BY alias, provider, upstreammodel
            ORDER BY usd DESC
            """);

    static final Query TOP_KEYS_BY_SPEND = new Query(
            "TopKeysBySpend",
            "Top keys by spend",
            "The 20 API keys that spent the most in one month, with their tenant, requests and errors",
            """
            WITH requests AS (
              SELECT requestid,
                     arbitrary(tenantid) AS tenantid,
                     arbitrary(keyid) AS keyid,
                     arbitrary(status) AS status,
                     arbitrary(prompttokens) AS prompttokens,
                     arbitrary(completiontokens) AS completiontokens,
                     arbitrary(costmicros) AS costmicros
              FROM usage_events
              WHERE year = '2026' AND month = '12'
              GROUP BY requestid
            )
            SELECT tenantid AS tenant,
                   keyid AS key_id,
                   count(*) AS requests,
                   count_if(status <> 'ok') AS errors,
                   sum(prompttokens) + sum(completiontokens) AS tokens,
                   CAST(sum(costmicros) AS DECIMAL(38, 6)) / 1000000 AS usd
            FROM requests
            GROUP BY tenantid, keyid
            ORDER BY usd DESC
            LIMIT 20
            """);

    static final List<Query> ALL = List.of(SPEND_BY_TENANT_AND_MONTH, SPEND_BY_MODEL, TOP_KEYS_BY_SPEND);

    private FinanceQueries() {}
}
