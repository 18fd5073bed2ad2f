package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class FinanceQueriesTest {
    private static final Pattern ARBITRARY_COLUMN = Pattern.compile("arbitrary\\((\\w+)\\)");

    @Test
    void rootReadme_holdsTheSavedQueriesVerbatim() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## Finance: every request in Athena"));

        for (FinanceQueries.Query query : FinanceQueries.ALL) {
            assertThat(section).as(query.name()).contains("```sql\n" + query.sql() + "```");
        }
    }

    @Test
    void everyQuery_countsARequestOnce_andReportsExactUsd() {
        for (FinanceQueries.Query query : FinanceQueries.ALL) {
            assertThat(query.sql())
                    .as(query.name())
                    .contains("GROUP BY requestid")
                    .contains("CAST(sum(costmicros) AS DECIMAL(38, 6)) / 1000000 AS usd")
                    .contains("WHERE year = '");
            Matcher column = ARBITRARY_COLUMN.matcher(query.sql());
            int columns = 0;
            while (column.find()) {
                assertThat(UsageArchive.COLUMNS).as(query.name()).containsKey(column.group(1));
                columns++;
            }
            assertThat(columns).as(query.name()).isPositive();
        }
    }
}
