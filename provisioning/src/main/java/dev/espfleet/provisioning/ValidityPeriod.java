package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The notBefore/notAfter window of a certificate to be issued. */
public record ValidityPeriod(Instant notBefore, Instant notAfter) {
    /**
     * Certificates start a few minutes in the past so that a device or broker whose clock is slightly
     * behind the provisioning bench does not reject a certificate that was just issued.
     */
    static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(5);

    public ValidityPeriod {
        notBefore = notBefore.truncatedTo(ChronoUnit.SECONDS);
        notAfter = notAfter.truncatedTo(ChronoUnit.SECONDS);
        if (!notAfter.isAfter(notBefore)) {
            throw EspfleetException.badInput("invalid validity period: notAfter " + notAfter
                    + " is not after notBefore " + notBefore);
        }
    }

    /** From {@code now} (less the clock-skew allowance) for {@code days} days. */
    public static ValidityPeriod days(Instant now, int days) {
        if (days < 1) {
            throw EspfleetException.badInput("invalid validity: expected at least 1 day, got " + days);
        }
        return new ValidityPeriod(now.minus(CLOCK_SKEW_ALLOWANCE), now.plus(Duration.ofDays(days)));
    }
}
