package dev.espfleet.services;

import dev.espfleet.nvs.NvsKey;

/**
 * Where the firmware reads its Wi-Fi credentials: the partition ({@code wifi.partition}), the namespace and
 * the keys. {@code inIdentityImage} when that partition is the identity's (the default), so the credentials
 * go into the identity image; otherwise they get an NVS image of their own for their partition.
 */
public record WifiPlacement(FlashLayout.Partition partition, boolean inIdentityImage, NvsKey namespace,
                            NvsKey ssidKey, NvsKey passwordKey) {
}
