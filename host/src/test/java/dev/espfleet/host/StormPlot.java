package dev.espfleet.host;

import java.util.List;
import java.util.Locale;

/** Test support: an SVG line chart of connection attempts per second, one line per storm. */
final class StormPlot {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;
    private static final String[] COLOURS = {"#1f77b4", "#d62728"};

    private StormPlot() {
    }

    static String svg(List<ReconnectStormMeasurement.Storm> storms, int devices, int outageSeconds) {
        int seconds = storms.stream().mapToInt(s -> s.attemptsPerSecond().length).max().orElse(1);
        int peak = Math.max(1, storms.stream().mapToInt(ReconnectStormMeasurement.Storm::peak).max().orElse(1));
        int yMax = niceCeiling(peak);
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">Reconnect storm: %d host devices, "
                + "broker stopped at 0 s for %d s; connection attempts per second on its port</text>%n",
                LEFT, devices, outageSeconds));
        // outage band
        int restart = storms.stream().mapToInt(ReconnectStormMeasurement.Storm::restartSecond).max().orElse(outageSeconds);
        double outageX = LEFT + plotW * restart / seconds;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"#eeeeee\"/>%n",
                LEFT, TOP, outageX - LEFT, plotH));
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#777\">broker down</text>%n",
                LEFT + 4.0, TOP + 14));
        // axes and ticks
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>%n",
                LEFT, TOP + plotH, LEFT + plotW, TOP + plotH));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" stroke=\"black\"/>%n",
                LEFT, TOP, LEFT, TOP + plotH));
        for (int i = 0; i <= 5; i++) {
            int v = yMax * i / 5;
            double y = TOP + plotH - plotH * v / yMax;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>%n", LEFT - 6, y + 4, v));
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    LEFT, y, LEFT + plotW, y));
        }
        int step = seconds > 120 ? 20 : 10;
        for (int t = 0; t <= seconds; t += step) {
            double x = LEFT + plotW * t / seconds;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>%n",
                    x, TOP + plotH + 16, t));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">seconds since the broker "
                + "stopped</text>%n", LEFT + plotW / 2, HEIGHT - 24));
        s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" "
                + "text-anchor=\"middle\">attempts / s</text>%n", TOP + plotH / 2, TOP + plotH / 2));
        for (int k = 0; k < storms.size(); k++) {
            ReconnectStormMeasurement.Storm storm = storms.get(k);
            StringBuilder points = new StringBuilder();
            int[] a = storm.attemptsPerSecond();
            for (int t = 0; t < a.length; t++) {
                double x0 = LEFT + plotW * t / seconds;
                double x1 = LEFT + plotW * (t + 1) / seconds;
                double y = TOP + plotH - plotH * a[t] / yMax;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f %.1f,%.1f ", x0, y, x1, y));
            }
            String colour = COLOURS[k % COLOURS.length];
            s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n",
                    colour, points.toString().strip()));
            double ly = TOP + 16 + 16 * k;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"3\"/>%n", LEFT + plotW - 430, ly - 4, LEFT + plotW - 410, ly - 4, colour));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s: peak after restart %d/s</text>%n",
                    LEFT + plotW - 404, ly, escape(storm.label()), storm.peak()));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static int niceCeiling(int v) {
        int[] steps = {1, 2, 5};
        for (int scale = 1; ; scale *= 10) {
            for (int step : steps) {
                if (step * scale * 5 >= v) {
                    return step * scale * 5;
                }
            }
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
