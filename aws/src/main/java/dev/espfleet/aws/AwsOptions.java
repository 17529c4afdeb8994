package dev.espfleet.aws;

import java.net.URI;
import java.util.Optional;

/**
 * How to reach AWS, as the aws CLI takes it: a named profile of the shared config and credentials files
 * ({@code --profile}; otherwise the SDK's default chain: environment, profile, container, instance role), the
 * region ({@code --region}), and another endpoint for every service called ({@code --endpoint-url}, e.g. an
 * emulator on loopback that serves IoT and IAM on one port, as LocalStack does).
 */
public record AwsOptions(Optional<String> profile, Optional<String> region, Optional<URI> endpointUrl,
                         int maxAttempts) {
    /** Attempts per call: with {@link AwsClients}' backoff, a call gives up after about a minute of throttling. */
    public static final int MAX_ATTEMPTS = 8;
    public static final AwsOptions DEFAULTS = new AwsOptions(Optional.empty(), Optional.empty(), Optional.empty());

    public AwsOptions(Optional<String> profile, Optional<String> region, Optional<URI> endpointUrl) {
        this(profile, region, endpointUrl, MAX_ATTEMPTS);
    }

    public AwsOptions {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts " + maxAttempts);
        }
    }
}
