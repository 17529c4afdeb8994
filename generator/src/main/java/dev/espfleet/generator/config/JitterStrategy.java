package dev.espfleet.generator.config;

/** How the reconnect delay is randomised; mirrors {@code backoff_jitter_t} in backoff.h. */
public enum JitterStrategy {
    /** Exactly the exponential delay: only for a single device on a bench. */
    NONE("BACKOFF_JITTER_NONE"),
    /** Uniform in [0, delay], AWS's recommended "full jitter". */
    FULL("BACKOFF_JITTER_FULL"),
    /** delay/2 + uniform in [0, delay/2]. */
    EQUAL("BACKOFF_JITTER_EQUAL"),
    /** delay ± jitter_percent %. */
    PROPORTIONAL("BACKOFF_JITTER_PROPORTIONAL");

    private final String cName;

    JitterStrategy(String cName) {
        this.cName = cName;
    }

    public String cName() {
        return cName;
    }
}
