package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.services.OtaJobDocument;
import dev.espfleet.services.RotateJobDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code espfleet jobs}: AWS IoT job documents for the firmware's jobs (docs/jobs.md).
 * Its subcommands are listed in {@link EspfleetCommand#SUBCOMMANDS}, which builds only the one a run names.
 */
@Command(name = "jobs", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "AWS IoT job documents for the firmware's jobs (jobs.enabled in the config).",
        synopsisSubcommandLabel = "COMMAND")
final class JobsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /** {@code espfleet jobs ota CONFIG --image app.bin --url URL --replaces VERSION --out DIR}. */
    @Command(name = "ota", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {
                "Check an app image (chip, project, newer than --replaces, fits a slot) and write the ota job",
                "document DIR/JOB.json; with --thing-group, DIR/JOB.create-job.json for",
                "aws iot create-job --cli-input-json."})
    static final class Ota extends BaseCommand {
        @Parameters(index = "0", paramLabel = "CONFIG", description = "The device config the image was built from.")
        Path config;

        @Option(names = "--image", required = true, paramLabel = "FILE", description = "The app image (build/APP.bin).")
        Path image;

        @Option(names = "--url", required = true, paramLabel = "URL",
                description = "Where devices download it: https://... (a presigned S3 URL in production).")
        String url;

        @Option(names = "--replaces", required = true, paramLabel = "VERSION",
                description = "The firmware version in the field; the image must be newer.")
        String replaces;

        @Option(names = "--allow-downgrade", description = "Send an older image; the devices accept it too.")
        boolean allowDowngrade;

        @Option(names = "--job-id", paramLabel = "ID", description = "The job's id (default ota-PROJECT-VERSION).")
        String jobId;

        @Option(names = "--thing-group", paramLabel = "NAME",
                description = "Also write the create-job input targeting this thing group (needs aws.account_id).")
        String thingGroup;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the files.")
        Path out;

        @Option(names = "--sign-key", paramLabel = "PRIVATE.pem",
                description = "EC P-256 private key: adds \"signature\" (ECDSA over the image's SHA-256, DER, base64), "
                        + "which firmware built with jobs.ota_signing_key requires.")
        Path signKey;

        @Override
        int doCall() throws Exception {
            DeviceConfig device = ConfigLoader.load(config);
            if (!device.jobs().enabled()) {
                throw EspfleetException.badInput(config + ": jobs.enabled is not true: firmware built from this config "
                        + "does not take jobs");
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(image);
            } catch (IOException e) {
                throw EspfleetException.badInput("--image: cannot read " + image + " (" + AtomicFiles.describe(e) + ")");
            }
            OtaJobDocument job = OtaJobDocument.prepare(new OtaJobDocument.Request(bytes, image.toString(), url, device,
                    replaces, allowDowngrade, Optional.ofNullable(jobId), Optional.ofNullable(thingGroup),
                    Optional.ofNullable(signKey).map(dev.espfleet.provisioning.Pem::readPrivateKey)));
            Path document = out.resolve(job.jobId() + ".json");
            AtomicFiles.write(document, job.document().getBytes(StandardCharsets.UTF_8));
            out().printf("%s: %s %s for %s (%d bytes, SHA-256 %s), replacing %s%n", document,
                    job.image().projectName(), job.image().version(), device.target().idfName(), job.size(),
                    job.sha256(), replaces);
            if (job.createJob().isPresent()) {
                Path input = out.resolve(job.jobId() + ".create-job.json");
                AtomicFiles.write(input, job.createJob().get().getBytes(StandardCharsets.UTF_8));
                out().printf("%s: aws iot create-job --cli-input-json file://%s%n", input, input);
            }
            return 0;
        }
    }

    /** {@code espfleet jobs rotate CONFIG [--job-id ID] [--thing-group NAME] --out DIR}. */
    @Command(name = "rotate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {
                "Write the rotate-certificate job document DIR/JOB.json (each device makes a new key, gets its",
                "certificate from CreateCertificateFromCsr, reconnects with it, and falls back to the old one if",
                "refused); with --thing-group, DIR/JOB.create-job.json for aws iot create-job --cli-input-json."})
    static final class Rotate extends BaseCommand {
        @Parameters(index = "0", paramLabel = "CONFIG",
                description = "The device config the firmware in the field was built from (jobs.rotation: true).")
        Path config;

        @Option(names = "--job-id", paramLabel = "ID",
                description = "The job's id (default rotate-certificate-PROJECT; AWS wants a new one per job).")
        String jobId;

        @Option(names = "--thing-group", paramLabel = "NAME",
                description = "Also write the create-job input targeting this thing group (needs aws.account_id).")
        String thingGroup;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the files.")
        Path out;

        @Override
        int doCall() throws Exception {
            DeviceConfig device = ConfigLoader.load(config);
            RotateJobDocument job = RotateJobDocument.prepare(new RotateJobDocument.Request(device, config.toString(),
                    Optional.ofNullable(jobId), Optional.ofNullable(thingGroup)));
            Path document = out.resolve(job.jobId() + ".json");
            AtomicFiles.write(document, job.document().getBytes(StandardCharsets.UTF_8));
            out().printf("%s: %s for the things of %s%n", document, RotateJobDocument.OPERATION,
                    device.product().name());
            if (job.createJob().isPresent()) {
                Path input = out.resolve(job.jobId() + ".create-job.json");
                AtomicFiles.write(input, job.createJob().get().getBytes(StandardCharsets.UTF_8));
                out().printf("%s: aws iot create-job --cli-input-json file://%s%n", input, input);
            }
            return 0;
        }
    }
}
