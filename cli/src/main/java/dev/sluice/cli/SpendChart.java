package dev.sluice.cli;

import java.util.Locale;

/**
 * A usage report's spend as an SVG bar chart: one bar per group in the report's order, its height proportional to the
 * group's cost, its value above it, the group's name below, a dollar axis on the left and a title naming the tenant and
 * range. Self-contained (no scripts, fonts or styles from elsewhere), so it opens in a browser or embeds in a page.
 */
final class SpendChart {
    private static final int LEFT = 90;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int PLOT_HEIGHT = 260;
    private static final int BOTTOM = 110;
    private static final int SLOT = 48;
    private static final int LABEL_CHARS = 20;
    private static final long MICROS_PER_CENT = 10_000;
    private static final double BAR_WIDTH = SLOT * 0.7;
    private static final int TICKS = 4;

    private SpendChart() {}

    static String svg(UsageReport report) {
        int width = LEFT + Math.max(report.groups().size(), 4) * SLOT + RIGHT;
        int height = TOP + PLOT_HEIGHT + BOTTOM;
        double baseline = TOP + PLOT_HEIGHT;
        long maxMicros = report.groups().stream()
                .mapToLong(group -> group.totals().costMicros())
                .max()
                .orElse(0);
        StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        .formatted(width, height, width, height))
                .append("font-family=\"sans-serif\" font-size=\"11\">\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        text(
                svg,
                width / 2.0,
                24,
                "middle",
                "font-size=\"15\" font-weight=\"bold\"",
                "Spend (USD) by " + report.by().option() + ": " + report.scope() + ", " + report.from() + " to "
                        + report.to());
        svg.append("<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">total %s</text>\n"
                .formatted(
                        number(width / 2.0),
                        number(40),
                        escape(Money.display(report.total().costMicros()))));

        for (int tick = 0; tick <= TICKS; tick++) {
            double y = baseline - PLOT_HEIGHT * tick / (double) TICKS;
            svg.append("<line class=\"grid\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#dddddd\"/>\n"
                    .formatted(number(LEFT), number(y), number(width - RIGHT), number(y)));
            text(svg, LEFT - 6, y + 4, "end", "", Money.display(Math.round(maxMicros * tick / (double) TICKS)));
        }
        svg.append("<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%s\" stroke=\"black\"/>\n"
                        .formatted(LEFT, TOP, LEFT, number(baseline)))
                .append("<line class=\"axis\" x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\" stroke=\"black\"/>\n"
                        .formatted(LEFT, number(baseline), width - RIGHT, number(baseline)));

        for (int i = 0; i < report.groups().size(); i++) {
            UsageReport.Group group = report.groups().get(i);
            long micros = group.totals().costMicros();
            double barHeight = maxMicros == 0 ? 0 : PLOT_HEIGHT * (double) micros / maxMicros;
            double x = LEFT + i * SLOT + (SLOT - BAR_WIDTH) / 2;
            double centre = x + BAR_WIDTH / 2;
            svg.append(
                    "<rect class=\"bar\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"#4477aa\"><title>%s</title></rect>\n"
                            .formatted(
                                    number(x),
                                    number(baseline - barHeight),
                                    number(BAR_WIDTH),
                                    number(barHeight),
                                    escape(group.name() + ": " + Money.display(micros))));
            text(svg, centre, baseline - barHeight - 4, "middle", "font-size=\"9\"", barValue(micros));
            svg.append("<text x=\"%s\" y=\"%s\" text-anchor=\"end\" transform=\"rotate(-45 %s %s)\">%s</text>\n"
                    .formatted(
                            number(centre),
                            number(baseline + 14),
                            number(centre),
                            number(baseline + 14),
                            escape(shortened(group.name()))));
        }
        return svg.append("</svg>\n").toString();
    }

    /**
     * Above a bar, cents are enough to read at a glance and keep neighbouring labels apart; amounts under a cent keep
     * their digits so they do not all read $0.00. The exact amount is in the bar's tooltip.
     */
    private static String barValue(long micros) {
        return Money.display(
                micros < MICROS_PER_CENT ? micros : Math.round(micros / (double) MICROS_PER_CENT) * MICROS_PER_CENT);
    }

    /** Long model names would run off the bottom of the chart; the full name is in the bar's tooltip. */
    private static String shortened(String name) {
        if (name.codePointCount(0, name.length()) <= LABEL_CHARS) {
            return name;
        }
        // By code point, so a character outside the BMP is never cut in half.
        return name.substring(0, name.offsetByCodePoints(0, LABEL_CHARS - 1)) + "…";
    }

    private static void text(StringBuilder svg, double x, double y, String anchor, String attributes, String content) {
        svg.append("<text x=\"%s\" y=\"%s\" text-anchor=\"%s\"%s>%s</text>\n"
                .formatted(
                        number(x), number(y), anchor, attributes.isEmpty() ? "" : " " + attributes, escape(content)));
    }

    /** Coordinates with a dot whatever the default locale, which SVG requires. */
    private static String number(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /** Text and attribute values: tenant ids, aliases and key ids are not trusted to be free of markup. */
    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&apos;");
                default -> {
                    // XML 1.0 forbids most control characters even escaped; they have no place in a label.
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        escaped.append('?');
                    } else {
                        escaped.append(c);
                    }
                }
            }
        }
        return escaped.toString();
    }
}
