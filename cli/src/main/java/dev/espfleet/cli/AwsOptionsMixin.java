package dev.espfleet.cli;

import dev.espfleet.aws.AwsOptions;
import dev.espfleet.common.EspfleetException;
import java.net.URI;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How to reach AWS, with the aws CLI's option names. */
final class AwsOptionsMixin {
    @Option(names = "--profile", paramLabel = "NAME",
            description = "Profile of the shared AWS config and credentials files (default: the SDK's chain: "
                    + "environment, AWS_PROFILE, container or instance role).")
    String profile;

    @Option(names = "--region", paramLabel = "REGION",
            description = "AWS region (default: the region of the config's aws.endpoint, else AWS_REGION or the profile's).")
    String region;

    @Option(names = "--endpoint-url", paramLabel = "URL",
            description = "Send the IoT and IAM calls to this URL instead (an emulator; as the aws CLI's --endpoint-url).")
    String endpointUrl;

    @Option(names = "--aws-max-attempts", hidden = true, defaultValue = "" + AwsOptions.MAX_ATTEMPTS, paramLabel = "N",
            description = "Attempts per AWS call, retries included (tests shorten the wait for an endpoint that is down).")
    int maxAttempts;

    AwsOptions options() {
        Optional<URI> url = Optional.ofNullable(endpointUrl).map(u -> {
            try {
                URI uri = new URI(u);
                if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
                    throw new java.net.URISyntaxException(u, "expected http(s)://HOST[:PORT]");
                }
                return uri;
            } catch (java.net.URISyntaxException e) {
                throw EspfleetException.badInput("--endpoint-url '" + u + "': expected http://HOST[:PORT] or "
                        + "https://HOST[:PORT]");
            }
        });
        if (maxAttempts < 1) {
            throw EspfleetException.badInput("--aws-max-attempts must be 1 or more, got " + maxAttempts);
        }
        return new AwsOptions(Optional.ofNullable(profile), Optional.ofNullable(region), url, maxAttempts);
    }
}
