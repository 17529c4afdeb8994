package dev.espfleet.host;

import dev.espfleet.flasher.image.AppDescription;
import dev.espfleet.flasher.image.BootloaderDescription;
import dev.espfleet.flasher.image.HostPayload;
import dev.espfleet.model.Chip;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Packs a host build of the firmware (a Linux ELF from {@link HostAppBuild}) as the app image a simulated chip
 * boots: a valid ESP-IDF app image for the project's chip whose first DROM segment holds the app description
 * ESP-IDF's build would write (project name and version from the project's CMakeLists.txt, the ESP-IDF version
 * the host runtime stands for, the ELF's SHA-256; no compile time or date, so the same build packs to the same
 * bytes), and whose second segment is the ELF as espfleet's host payload ({@link HostPayload}).
 */
public final class HostAppImage {
    /** What the simulated bootloader's description says (its image has no code: the simulator is the bootloader). */
    public static final BootloaderDescription BOOTLOADER = new BootloaderDescription(0, 1, HostAppBuild.IDF_VERSION,
            "");

    private HostAppImage() {
    }

    /** The app description of {@code project}'s host build {@code elf}. */
    static AppDescription description(Path project, byte[] elf) {
        HostProject p = HostProject.read(project);
        return new AppDescription(0, p.version(), p.name(), "", "", HostAppBuild.IDF_VERSION, sha256(elf), 0, 0xFFFF,
                16);
    }

    /** The app image of {@code elf}, built from {@code project}, for a flash of {@code flashSize} bytes. */
    public static byte[] pack(Path project, byte[] elf, int flashSize) {
        Chip chip = HostProject.read(project).target();
        return HostPayload.appImage(chip, flashSize, description(project, elf), elf);
    }

    /** A second-stage bootloader image for a simulated {@code chip} (valid, with no code). */
    public static byte[] bootloader(Chip chip, int flashSize) {
        return HostPayload.bootloaderImage(chip, flashSize, BOOTLOADER);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
