package dev.espfleet.model;

import dev.espfleet.common.EspfleetException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host the firmware connects to: an AWS IoT Core data endpoint ({@code <id>-ats.iot.<region>.amazonaws.com},
 * {@code .com.cn} in China), or any other MQTT broker's host name (a test broker on {@code localhost}). A host
 * name as RFC 1123 defines it, without scheme, port or path: at most 253 characters in labels of 1 to 63
 * letters, digits and '-' that neither start nor end with '-', separated by dots.
 */
public record AwsEndpoint(String host) {
    public static final int MAX_LENGTH = 253;
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    /** The shape AWS IoT Core hands out; the region is the label after {@code iot}. */
    private static final Pattern AWS_IOT = Pattern.compile("[^.]+\\.iot\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?");

    public AwsEndpoint {
        Optional<String> problem = problem(host);
        if (problem.isPresent()) {
            throw EspfleetException.badInput(problem.get());
        }
    }

    /** The endpoint {@code text}, or bad input (exit 2) saying what a host name is. */
    public static AwsEndpoint of(String text) {
        return new AwsEndpoint(text);
    }

    /** What is wrong with {@code text} as an endpoint, in one sentence that names it; empty if nothing. */
    public static Optional<String> problem(String text) {
        if (text != null && isHostName(text)) {
            return Optional.empty();
        }
        return Optional.of("invalid endpoint " + (text == null ? "(none)" : "'" + text + "'")
                + ": expected a host name such as abc123-ats.iot.eu-west-1.amazonaws.com, without scheme or port");
    }

    private static boolean isHostName(String text) {
        if (text.isEmpty() || text.length() > MAX_LENGTH) {
            return false;
        }
        for (String label : text.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** The AWS region an AWS IoT Core endpoint names ({@code eu-west-1}, {@code cn-north-1}); empty for other hosts. */
    public Optional<String> region() {
        Matcher m = AWS_IOT.matcher(host);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    @Override
    public String toString() {
        return host;
    }
}
