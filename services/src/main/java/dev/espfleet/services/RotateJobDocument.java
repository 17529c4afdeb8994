package dev.espfleet.services;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.generator.config.DeviceConfig;
import java.util.Optional;

/**
 * An AWS IoT job for the firmware's {@code rotate-certificate} operation (docs/jobs.md): the job document
 * ({@code {"operation":"rotate-certificate"}}: the device makes its new key and gets its certificate from
 * CreateCertificateFromCsr itself, so the document carries nothing secret and nothing per device) and, for a thing
 * group, the input of {@code aws iot create-job --cli-input-json}. Only for a config whose firmware takes the
 * operation ({@code jobs.enabled} and {@code jobs.rotation}).
 *
 * @param jobId the job's id (AWS: 1-64 of {@code a-zA-Z0-9_-})
 * @param document the job document, JSON
 * @param createJob {@code aws iot create-job --cli-input-json} input, when a thing group was given
 */
public record RotateJobDocument(String jobId, String document, Optional<String> createJob) {
    /** The operation's name, as the firmware's jobs.c dispatches it. */
    public static final String OPERATION = "rotate-certificate";

    /**
     * @param configName the config's file name, for messages
     * @param jobId the job id, or empty for {@code rotate-certificate-PROJECT}
     * @param thingGroup a thing group name for the create-job input, or empty
     */
    public record Request(DeviceConfig config, String configName, Optional<String> jobId, Optional<String> thingGroup) {
    }

    public static RotateJobDocument prepare(Request r) {
        if (!r.config().jobs().enabled()) {
            throw EspfleetException.badInput(r.configName() + ": jobs.enabled is not true: firmware built from this "
                    + "config does not take jobs");
        }
        if (!r.config().jobs().rotation()) {
            throw EspfleetException.badInput(r.configName() + ": jobs.rotation is not true: firmware built from this "
                    + "config rejects " + OPERATION + " jobs");
        }
        String project = r.config().product().name().replace('-', '_');
        String jobId = CreateJobInput.checkJobId(r.jobId().orElse((OPERATION + "-" + project)
                .replaceAll("[^A-Za-z0-9_-]", "-")));
        String document = "{\"operation\":" + OtaJobDocument.json(OPERATION) + "}";
        Optional<String> createJob = r.thingGroup().map(group -> CreateJobInput.forThingGroup(r.config(), jobId, group,
                document, OPERATION + " " + project));
        return new RotateJobDocument(jobId, document + "\n", createJob);
    }
}
