package dev.espfleet.services;

import java.nio.file.Path;
import java.util.Optional;

/**
 * An ESP-IDF build to write ({@code espfleet flash}), with an NVS image for one of its partitions.
 *
 * @param nvs       an image (an identity image, say) written into {@code partition}
 * @param partition the partition of the build's table {@code nvs} goes to
 * @param config    the device config whose identity layout the image is checked by (else the default layout)
 * @param ca        the CA the image's certificate must be issued by (a CA folder, its ca.pem or chain.pem)
 */
public record FlashBuildRequest(Path build, Optional<Path> nvs, String partition, Optional<Path> config,
                                Optional<Path> ca) {
}
