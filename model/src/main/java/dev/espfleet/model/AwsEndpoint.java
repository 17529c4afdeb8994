package dev.espfleet.model;

import dev.espfleet.common.EspfleetException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host the firmware connects to: an AWS IoT Core data endpoint ({@code <id>-ats.iot.<region>.amazonaws.com},
 * {@code .com.cn} in China), or any other MQTT broker's host name (a test broker on {@code localhost}). A host
 * name as RFC 1123 defines it, without scheme, port or path: at most 253 characters in labels of 1 to 63
 * letters, digits and '-' that neither start nor end with '-', separated by dots.
 *
 * <p>The identity a board gets may name a port too ({@code --endpoint HOST:PORT}, a test broker): the firmware
 * reads {@code host} or {@code host:port} from NVS and connects to MQTT's TLS port, 8883, when none is given. A
 * config's {@code aws.endpoint} is a host name alone ({@link #of}).
 *
 * @param port the port written with the host; empty for the firmware's default
 */
public record AwsEndpoint(String host, OptionalInt port) {
    public static final int MAX_LENGTH = 253;
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    /** The shape AWS IoT Core hands out; the region is the label after {@code iot}. */
    private static final Pattern AWS_IOT = Pattern.compile("[^.]+\\.iot\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?");

    public AwsEndpoint {
        Optional<String> problem = problem(host);
        if (problem.isPresent()) {
            throw EspfleetException.badInput(problem.get());
        }
        if (port.isPresent() && (port.getAsInt() < 1 || port.getAsInt() > 65535)) {
            throw EspfleetException.badInput("invalid endpoint port " + port.getAsInt() + ": expected 1 to 65535");
        }
    }

    /** A host name without a port. */
    public AwsEndpoint(String host) {
        this(host, OptionalInt.empty());
    }

    /** The endpoint {@code text}, or bad input (exit 2) saying what a host name is. */
    public static AwsEndpoint of(String text) {
        return new AwsEndpoint(text);
    }

    /**
     * {@code HOST} or {@code HOST:PORT} (the identity's endpoint, {@code --endpoint}), or bad input (exit 2) saying
     * what is expected.
     */
    public static AwsEndpoint withOptionalPort(String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        String host = colon < 0 ? text : text.substring(0, colon);
        String digits = colon < 0 ? "" : text.substring(colon + 1);
        int port = digits.matches("[0-9]{1,5}") ? Integer.parseInt(digits) : -1;
        if (problem(host).isPresent() || colon >= 0 && (port < 1 || port > 65535)) {
            throw EspfleetException.badInput("invalid endpoint " + (text == null ? "(none)" : "'" + text + "'")
                    + ": expected HOST or HOST:PORT, a host name such as abc123-ats.iot.eu-west-1.amazonaws.com "
                    + "(no scheme) and a port from 1 to 65535");
        }
        return colon < 0 ? new AwsEndpoint(host) : new AwsEndpoint(host, OptionalInt.of(port));
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

    /** What the identity image holds and the firmware reads: {@code host}, or {@code host:port}. */
    @Override
    public String toString() {
        return port.isPresent() ? host + ":" + port.getAsInt() : host;
    }
}
