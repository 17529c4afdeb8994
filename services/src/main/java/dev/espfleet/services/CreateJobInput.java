package dev.espfleet.services;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.generator.config.DeviceConfig;

/**
 * What every job espfleet writes shares (docs/jobs.md): its id as AWS allows it, and the input of {@code aws iot
 * create-job --cli-input-json} that sends a document to a thing group.
 */
final class CreateJobInput {
    private CreateJobInput() {
    }

    /** The job id, checked: AWS allows 1-64 of {@code a-zA-Z0-9_-}. */
    static String checkJobId(String jobId) {
        if (!jobId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw EspfleetException.badInput("--job-id: AWS allows 1-64 of a-z A-Z 0-9 _ -; got '" + jobId + "'");
        }
        return jobId;
    }

    /** create-job's input for {@code document} (JSON) targeting the thing group {@code group} (a snapshot). */
    static String forThingGroup(DeviceConfig config, String jobId, String group, String document, String description) {
        if (!group.matches("[a-zA-Z0-9:_-]{1,128}")) {
            throw EspfleetException.badInput("--thing-group: a thing group name is 1-128 of a-z A-Z 0-9 : _ -; got '"
                    + group + "'");
        }
        String region = config.aws().endpoint().region().orElseThrow(() -> EspfleetException.badInput(
                "--thing-group: the config's aws.endpoint names no AWS region to build the group's ARN from"));
        String account = config.aws().accountId().orElseThrow(() -> EspfleetException.badInput(
                "--thing-group: set aws.account_id in the config: the group's ARN needs the account"));
        String arn = "arn:aws:iot:" + region + ":" + account + ":thinggroup/" + group;
        return "{\n  \"jobId\": " + OtaJobDocument.json(jobId) + ",\n  \"targets\": [" + OtaJobDocument.json(arn)
                + "],\n  \"document\": " + OtaJobDocument.json(document) + ",\n  \"targetSelection\": \"SNAPSHOT\",\n"
                + "  \"description\": " + OtaJobDocument.json(description) + "\n}\n";
    }
}
