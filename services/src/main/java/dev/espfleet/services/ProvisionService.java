package dev.espfleet.services;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.CertificateSource;
import dev.espfleet.provisioning.DeviceSubject;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.UnitLock;
import dev.espfleet.provisioning.UnitProvisioner;
import dev.espfleet.provisioning.UnitRequest;
import dev.espfleet.provisioning.WifiImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Makes or refreshes one unit folder from a device config: key, CSR, certificate, the identity images the
 * firmware reads (Wi-Fi credentials where {@link DeviceProfile#placeWifi} puts them) and the AWS files.
 * Everything is checked before anything is written.
 */
public final class ProvisionService {
    private final SecureRandom random;

    public ProvisionService() {
        this(new SecureRandom());
    }

    public ProvisionService(SecureRandom random) {
        this.random = random;
    }

    @SuppressWarnings("try") // the lock is held, not used
    public ProvisionResult provision(ProvisionRequest r) {
        Instant now = Instant.now();
        DeviceProfile profile = DeviceProfile.load(r.config());
        profile.requireThing(r.thing());
        DeviceSubject subject = DeviceSubject.of(r.thing(),
                r.organization().orElse(profile.config().product().name()), r.country().orElse(null));
        DeviceProfile.WifiWrite wifi = profile.placeWifi(r.wifi());

        CertificateSource source;
        if (r.certificate() instanceof CertificateFrom.LocalCa local) {
            source = new CertificateSource.LocalCa(CertificateAuthority.load(local.dir(), now), local.dir().toString(),
                    r.validityDays());
        } else if (r.certificate() instanceof CertificateFrom.Given given) {
            source = new CertificateSource.Given(given.file());
        } else {
            source = new CertificateSource.CsrOnly();
        }
        ServerCa server = ServerCa.resolve(r.serverCa(), r.defaultServerCa(), now);
        AwsEndpoint endpoint = r.endpoint().orElse(profile.config().aws().endpoint());
        UnitRequest request = new UnitRequest(r.out(), subject, r.keyType(), Optional.of(endpoint), source, server,
                profile.policy(), profile.identityLayout(), profile.identityPartition().size(),
                wifi.inIdentityImage(), r.rotate());

        UnitProvisioner.requireUnitFolder(r.out());
        UnitProvisioner.Report report;
        List<String> lines;
        // a bench or another provision working on this folder would race for its key: one at a time
        try (UnitLock lock = UnitLock.acquire(r.out(), "espfleet provision", Duration.ZERO, () -> false)) {
            report = new UnitProvisioner(random).provision(request, now);
            lines = new ArrayList<>(report.lines());
            if (report.identityComplete() && wifi.ownImage().isPresent()) {
                lines.addAll(writeWifiImage(r.out(), wifi.ownImage().get(), r.wifi().orElseThrow()));
            }
        }
        List<ProvisionResult.ImageToFlash> images = new ArrayList<>();
        if (report.identityComplete()) {
            images.add(new ProvisionResult.ImageToFlash(r.out().resolve(UnitProvisioner.IDENTITY_IMAGE),
                    profile.identityLayout().partition()));
            wifi.ownImage().ifPresent(image -> images.add(new ProvisionResult.ImageToFlash(
                    r.out().resolve(WifiImage.IMAGE_FILE), image.partition().label())));
        }
        boolean noWifi = report.identityComplete() && r.wifi().isEmpty() && profile.wifiPlacement().inIdentityImage();
        return new ProvisionResult(r.thing(), r.out(), List.copyOf(lines), report.identityComplete(), List.copyOf(images),
                noWifi, profile.wifiPlacement().namespace(), r.out().resolve(UnitProvisioner.AWS_DIR).resolve("register.sh"),
                r.out().resolve(UnitProvisioner.CERT_FILE));
    }

    /** {@code wifi.csv} and {@code wifi.bin}, owner-only (they hold the password). */
    private static List<String> writeWifiImage(Path unit, PartitionImage image, WifiSettings wifi) {
        AtomicFiles.writeSecret(unit.resolve(WifiImage.CSV_FILE), image.csv().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.writeSecret(unit.resolve(WifiImage.IMAGE_FILE), image.image());
        String partition = image.partition().label().value();
        return List.of(WifiImage.CSV_FILE + ": Wi-Fi for partition '" + partition + "', mode 0600",
                WifiImage.IMAGE_FILE + ": NVS image of partition '" + partition + "' (0x"
                        + Integer.toHexString(image.image().length) + " bytes, Wi-Fi '" + wifi.ssid() + "'), mode 0600");
    }
}
