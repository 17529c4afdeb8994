package dev.espfleet.cli;

import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ProvisioningBenchmark;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code espfleet provision-bench}: key + CSR + certificate per device, per key type. */
@Command(name = "provision-bench", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Time key generation, CSR and certificate issue per device, for each key type.",
            "Each type first runs as many untimed devices to warm up the JIT."})
final class ProvisionBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--devices", paramLabel = "N", defaultValue = "200",
            description = "Timed devices for EC (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--rsa-devices", paramLabel = "N", defaultValue = "10",
            description = "Timed devices for each RSA size; RSA keys are slow (default: ${DEFAULT-VALUE}).")
    int rsaDevices;

    @Option(names = "--key-type", paramLabel = "TYPE", split = ",", converter = KeyTypeConverter.class,
            completionCandidates = KeyTypeConverter.class,
            description = "Key types to run (default: all of ${COMPLETION-CANDIDATES}).")
    List<KeyType> keyTypes = List.of(KeyType.values());

    @Override
    public Integer call() {
        if (devices < 1 || rsaDevices < 1) {
            throw dev.espfleet.common.EspfleetException.badInput("--devices and --rsa-devices must be at least 1");
        }
        SecureRandom random = new SecureRandom();
        PrintWriter o = spec.commandLine().getOut();
        o.printf("%-9s %7s %9s %9s %9s %10s %10s%n", "key", "devices", "key ms", "csr ms", "cert ms", "total ms",
                "devices/s");
        for (KeyType type : keyTypes) {
            int n = type == KeyType.EC_P256 ? devices : rsaDevices;
            // As many untimed devices first: without them the JIT's warm-up dominates the EC figures.
            ProvisioningBenchmark.Result r = ProvisioningBenchmark.run(type, n, n, random);
            o.printf("%-9s %7d %9.2f %9.2f %9.2f %10.2f %10.1f%n", type.cliName(), r.devices(), r.keyMillis(),
                    r.csrMillis(), r.certMillis(), r.totalMillis(), r.devicesPerSecond());
            o.flush();
        }
        return 0;
    }
}
