package dev.espfleet.aws;

import dev.espfleet.common.EspfleetException;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iot.IotClient;

/**
 * The IoT and IAM clients for one run, built the aws CLI's way from {@link AwsOptions}: credentials from the
 * profile or the SDK's default chain, the region from {@code --region}, else the region of the fleet's IoT
 * endpoint, else the SDK's chain (AWS_REGION, the profile). Every call has a deadline, is spaced to AWS IoT's
 * published rates ({@link ControlPlaneRateLimiter}) and is retried on throttling, 5xx and I/O errors with
 * exponential backoff and full jitter.
 */
public final class AwsClients implements AutoCloseable {
    /** Backoff for 5xx and I/O errors: full jitter, 200 ms doubling up to 10 s. */
    static final BackoffStrategy BACKOFF = BackoffStrategy.exponentialDelay(Duration.ofMillis(200), Duration.ofSeconds(10));
    /** Backoff for throttling: full jitter, 500 ms doubling up to 20 s (AWS's limits are per second). */
    static final BackoffStrategy THROTTLING_BACKOFF = BackoffStrategy.exponentialDelay(Duration.ofMillis(500),
            Duration.ofSeconds(20));
    /** One attempt: connect, send, answer. */
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(20);
    /** A whole call, retries and waits included. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(120);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final SdkHttpClient http;
    private final IotClient iot;
    private final IamClient iam;
    private final Region region;
    private final String describe;
    private final int maxAttempts;

    private AwsClients(SdkHttpClient http, IotClient iot, IamClient iam, Region region, String describe, int maxAttempts) {
        this.maxAttempts = maxAttempts;
        this.http = http;
        this.iot = iot;
        this.iam = iam;
        this.region = region;
        this.describe = describe;
    }

    /**
     * Clients for {@code options}; {@code fleetRegion} is the region of the fleet's IoT endpoint (empty for a
     * test broker's host). A {@code --region} that differs from it is refused: things registered there would be
     * unknown to the endpoint the devices connect to.
     */
    public static AwsClients open(AwsOptions options, Optional<String> fleetRegion, ControlPlaneRateLimiter limiter) {
        if (options.region().isPresent() && fleetRegion.isPresent() && !options.region().get().equals(fleetRegion.get())) {
            throw EspfleetException.badInput("--region " + options.region().get() + " differs from the region of the "
                    + "fleet's endpoint (aws.endpoint: " + fleetRegion.get() + "): the devices connect there, so their "
                    + "things and certificates must be registered there");
        }
        Region region = Region.of(options.region().or(() -> fleetRegion).orElseGet(() -> chainRegion(options)));
        AwsCredentialsProvider credentials = options.profile().<AwsCredentialsProvider>map(ProfileCredentialsProvider::create)
                .orElseGet(() -> DefaultCredentialsProvider.builder().build());
        RetryStrategy retry = AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(options.maxAttempts())
                .backoffStrategy(BACKOFF)
                .throttlingBackoffStrategy(THROTTLING_BACKOFF)
                // a bench that waited out an outage must not find its retries spent: no retry quota
                .circuitBreakerEnabled(false)
                .build();
        ClientOverrideConfiguration override = ClientOverrideConfiguration.builder()
                .retryStrategy(retry)
                .apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
                .apiCallTimeout(CALL_TIMEOUT)
                .addExecutionInterceptor(limiter)
                .build();
        SdkHttpClient http = Apache5HttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(ATTEMPT_TIMEOUT)
                .build();
        var iot = IotClient.builder().httpClient(http).credentialsProvider(credentials).region(region)
                .overrideConfiguration(override);
        // IAM is global: iam.amazonaws.com, signed for us-east-1 (aws-cn: cn-north-1). Named by that region, not by
        // aws-global: with an --endpoint-url the SDK would put "aws-global" into the signature's scope
        var iam = IamClient.builder().httpClient(http).credentialsProvider(credentials)
                .region(region.id().startsWith("cn-") ? Region.CN_NORTH_1 : Region.US_EAST_1)
                .overrideConfiguration(override);
        options.endpointUrl().ifPresent(url -> {
            iot.endpointOverride(url);
            iam.endpointOverride(url);
        });
        String describe = "AWS IoT in " + region.id() + options.endpointUrl().map(u -> " at " + u).orElse("")
                + options.profile().map(p -> " (profile " + p + ")").orElse("");
        return new AwsClients(http, iot.build(), iam.build(), region, describe, options.maxAttempts());
    }

    private static String chainRegion(AwsOptions options) {
        try {
            var chain = DefaultAwsRegionProviderChain.builder();
            options.profile().ifPresent(chain::profileName);
            return chain.build().getRegion().id();
        } catch (SdkClientException e) {
            throw EspfleetException.badInput("no AWS region: the fleet's endpoint names none, and neither --region, "
                    + "AWS_REGION nor the profile gives one");
        }
    }

    public IotClient iot() {
        return iot;
    }

    public IamClient iam() {
        return iam;
    }

    /** Attempts per call, retries included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    public Region region() {
        return region;
    }

    /** "AWS IoT in eu-west-1 (profile factory)", for messages. */
    public String describe() {
        return describe;
    }

    @Override
    public void close() {
        iot.close();
        iam.close();
        http.close();
    }
}
