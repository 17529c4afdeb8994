package dev.espfleet.aws;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What an AWS call that failed (after its retries) means for the person at the bench, as one
 * {@link EspfleetException}: not reachable or still throttled (exit 3), no credentials (exit 2), refused by the
 * service (exit 1, with AWS's error code and message).
 */
final class AwsErrors {
    /** Error codes that mean the credentials, not the request, are wrong. */
    private static final Set<String> CREDENTIALS = Set.of("UnrecognizedClientException", "InvalidClientTokenId",
            "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch", "InvalidSignatureException",
            "IncompleteSignature", "MissingAuthenticationToken");

    private AwsErrors() {
    }

    /** Is this failure worth trying again later (the line's internet, throttling, AWS's own trouble)? */
    static boolean transientFailure(SdkException e) {
        if (e instanceof AwsServiceException s) {
            return s.isThrottlingException() || s.statusCode() >= 500;
        }
        return true;
    }

    static EspfleetException of(String where, String operation, SdkException e) {
        if (e instanceof AwsServiceException s) {
            String code = s.awsErrorDetails() == null ? "" : String.valueOf(s.awsErrorDetails().errorCode());
            String message = s.awsErrorDetails() == null ? s.getMessage() : s.awsErrorDetails().errorMessage();
            String text = where + ": " + operation + " failed: " + code + " (HTTP " + s.statusCode() + "): " + message;
            if (s.isThrottlingException() || s.statusCode() >= 500) {
                return new EspfleetException(ExitStatus.UNAVAILABLE, text + " (after its retries)",
                        "AWS is busy or in trouble; run again later", e);
            }
            if (CREDENTIALS.contains(code)) {
                return new EspfleetException(ExitStatus.BAD_INPUT, text, "check the credentials: --profile, "
                        + "AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", e);
            }
            if (s.statusCode() == 401 || s.statusCode() == 403) {
                return new EspfleetException(ExitStatus.JOB_FAILED, text, "the identity espfleet runs as needs "
                        + "permission for " + operation + " (see docs/aws.md for the IAM policy)", e);
            }
            return new EspfleetException(ExitStatus.JOB_FAILED, text, null, e);
        }
        String message = String.valueOf(e.getMessage());
        if (e instanceof SdkClientException && message.contains("credentials")) {
            return new EspfleetException(ExitStatus.BAD_INPUT, where + ": no AWS credentials: " + firstLine(message),
                    "pass --profile NAME, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", e);
        }
        String why = e instanceof ApiCallTimeoutException ? "no answer within " + AwsClients.CALL_TIMEOUT.toSeconds()
                + " s" : firstLine(message);
        return new EspfleetException(ExitStatus.UNAVAILABLE, where + ": cannot reach AWS for " + operation + ": " + why,
                "check the network (and --endpoint-url); registrations left pending are done by 'espfleet aws sync'", e);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
