package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.store.UsageRow;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The SVG chart read back with the JDK's XML parser: well-formed, one bar per group, heights as the costs. */
class SpendChartTest {
    private static final LocalDate FROM = LocalDate.parse("2026-11-01");
    private static final LocalDate TO = LocalDate.parse("2026-11-30");

    private static UsageRow row(String tenant, String alias, long costMicros) {
        return new UsageRow(tenant, "2026-11-05", alias, "key_1", new UsageTotals(1, 0, 10, 10, 0, 0, costMicros));
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> bars(Document svg) {
        NodeList rects = svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        List<Element> bars = new ArrayList<>();
        for (int i = 0; i < rects.getLength(); i++) {
            Element rect = (Element) rects.item(i);
            if (rect.getAttribute("class").equals("bar")) {
                bars.add(rect);
            }
        }
        return bars;
    }

    @Test
    void chart_hasOneBarPerGroup_inTheReportsOrder_withHeightsProportionalToCost() throws Exception {
        UsageReport report = UsageReport.of(
                "acme",
                FROM,
                TO,
                UsageReport.Grouping.MODEL,
                List.of(
                        row("acme", "small", 1_000_000),
                        row("acme", "large", 4_000_000),
                        row("acme", "mid", 2_500_000)));

        Document svg = parse(SpendChart.svg(report));

        assertThat(svg.getDocumentElement().getLocalName()).isEqualTo("svg");
        List<Element> bars = bars(svg);
        assertThat(bars).hasSize(3);
        double large = Double.parseDouble(bars.get(0).getAttribute("height"));
        double mid = Double.parseDouble(bars.get(1).getAttribute("height"));
        double small = Double.parseDouble(bars.get(2).getAttribute("height"));
        assertThat(large).isPositive();
        assertThat(mid / large).isCloseTo(2.5 / 4, within(0.001));
        assertThat(small / large).isCloseTo(1.0 / 4, within(0.001));
        assertThat(bars.get(0).getTextContent()).isEqualTo("large: $4.00");
        // Bars stand on one baseline: top plus height is the same for all.
        double baseline = Double.parseDouble(bars.get(0).getAttribute("y")) + large;
        assertThat(Double.parseDouble(bars.get(2).getAttribute("y")) + small).isCloseTo(baseline, within(0.01));
    }

    @Test
    void chart_titleNamesTenantGroupingAndRange_andShowsEachBarsValue() throws Exception {
        UsageReport report =
                UsageReport.of("acme", FROM, TO, UsageReport.Grouping.DAY, List.of(row("acme", "m", 1_500_000)));

        String text = parse(SpendChart.svg(report)).getDocumentElement().getTextContent();

        assertThat(text)
                .contains("Spend (USD) by day: acme, 2026-11-01 to 2026-11-30")
                .contains("$1.50");
    }

    @Test
    void markupInNames_isEscaped_andTheChartStaysWellFormed() throws Exception {
        String alias = "<b>\"fast\" & 'cheap'</b>";
        UsageReport report =
                UsageReport.of("a<&>", FROM, TO, UsageReport.Grouping.MODEL, List.of(row("a<&>", alias, 10)));

        Document svg = parse(SpendChart.svg(report));

        assertThat(svg.getElementsByTagName("b").getLength()).isZero();
        assertThat(svg.getDocumentElement().getTextContent()).contains(alias).contains("a<&>, 2026-11-01");
    }

    @Test
    void noSpend_drawsFlatBars_ratherThanDividingByZero() throws Exception {
        UsageReport report =
                UsageReport.of(null, FROM, TO, UsageReport.Grouping.MODEL, List.of(row("a", "x", 0), row("b", "y", 0)));

        List<Element> bars = bars(parse(SpendChart.svg(report)));

        assertThat(bars)
                .hasSize(2)
                .allSatisfy(bar -> assertThat(bar.getAttribute("height")).isEqualTo("0.00"));
    }

    @Test
    void emptyReport_isStillAWellFormedChartWithNoBars() throws Exception {
        UsageReport report = UsageReport.of(null, FROM, TO, UsageReport.Grouping.DAY, List.of());

        Document svg = parse(SpendChart.svg(report));

        assertThat(bars(svg)).isEmpty();
        assertThat(svg.getDocumentElement().getTextContent()).contains("all tenants");
    }

    @Test
    void barValues_showCents_andLongNamesAreShortened_whileTooltipsKeepTheExactAmountAndName() throws Exception {
        String longName = "claude-3-5-sonnet-20241022";
        UsageReport report = UsageReport.of(
                "acme",
                FROM,
                TO,
                UsageReport.Grouping.MODEL,
                List.of(row("acme", longName, 2_727_892), row("acme", "tiny", 1_500)));

        Document svg = parse(SpendChart.svg(report));

        String text = svg.getDocumentElement().getTextContent();
        assertThat(text).contains("$2.73").contains("$0.0015").contains("claude-3-5-sonnet-2…");
        assertThat(bars(svg).get(0).getTextContent()).isEqualTo(longName + ": $2.727892");
    }
}
