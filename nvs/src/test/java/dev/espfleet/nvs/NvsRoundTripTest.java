package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Property: for random entry sets, read(write(entries)) gives back the same entries in the same order. */
class NvsRoundTripTest {
    private static final int CASES = 150;
    private static final int SIZE = 0x40000;

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void randomEntrySetsSurviveWriteThenRead(int versionNumber) {
        NvsVersion version = NvsVersion.of(versionNumber);
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(seed * 31L + versionNumber);
            List<NvsEntry> entries = randomEntries(random, version);
            byte[] image = NvsPartitionWriter.write(entries, SIZE, version);
            NvsImage read = NvsPartitionReader.read(image);
            assertEquals(entries, read.items(), "seed " + seed);
            assertEquals(version, read.version());
        }
    }

    /** A partition read back from a device: pages in flash order differ from their sequence order. */
    @org.junit.jupiter.api.Test
    void pagesAreReadInSequenceOrderNotFlashOrder() {
        List<NvsEntry> entries = new ArrayList<>();
        entries.add(NvsEntry.namespace("a"));
        for (int i = 0; i < 100; i++) { // two pages
            entries.add(NvsEntry.string("a", "k" + i, "value " + i));
        }
        byte[] image = NvsPartitionWriter.write(entries, 0x4000, NvsVersion.V2);
        byte[] swapped = image.clone();
        System.arraycopy(image, 0, swapped, 0x1000, 0x1000); // page 0 (sequence 0) now at flash page 1
        System.arraycopy(image, 0x1000, swapped, 0, 0x1000); // page 1 (sequence 1) now at flash page 0

        assertEquals(NvsPartitionReader.read(image).items(), NvsPartitionReader.read(swapped).items());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void randomEntrySetsSurviveEncryption(int versionNumber) {
        NvsVersion version = NvsVersion.of(versionNumber);
        for (int seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            NvsEncryptionKeys keys = NvsEncryptionKeys.generate(new SecureRandom());
            List<NvsEntry> entries = randomEntries(random, version);
            byte[] image = NvsPartitionWriter.write(entries, SIZE, version, keys);
            assertEquals(entries, NvsPartitionReader.read(image, keys).items(), "seed " + seed);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void corruptedImagesAreRefusedWithAnEspfleetErrorOnly(int versionNumber) {
        NvsVersion version = NvsVersion.of(versionNumber);
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(seed);
            byte[] image = NvsPartitionWriter.write(randomEntries(random, version), SIZE, version);
            int usedPages = NvsPartitionReader.read(image).usedPages();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                int at = random.nextInt(Math.max(1, usedPages) * NvsLayout.PAGE_SIZE);
                image[at] ^= (byte) (1 << random.nextInt(8));
            }
            try {
                NvsPartitionReader.read(image);
            } catch (dev.espfleet.common.EspfleetException expected) {
                // a clear refusal is the point; anything else (an index out of bounds) fails the test
            }
        }
    }

    /** The dump's reader: any damage becomes a listed problem or a refusal, never another exception. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void corruptedImagesAreCheckedIntoProblemsOnly(int versionNumber) {
        NvsVersion version = NvsVersion.of(versionNumber);
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(seed + 1000L);
            List<NvsEntry> entries = randomEntries(random, version);
            byte[] image = NvsPartitionWriter.write(entries, SIZE, version);
            int usedPages = NvsPartitionReader.read(image).usedPages();
            int at = random.nextInt(Math.max(1, usedPages) * NvsLayout.PAGE_SIZE);
            image[at] ^= (byte) (1 << random.nextInt(8));
            try {
                NvsImage checked = NvsPartitionReader.check(image, null);
                if (checked.problems().isEmpty()) {
                    assertEquals(entries, checked.items(), "seed " + seed + ": a flip nobody noticed changed nothing");
                }
            } catch (dev.espfleet.common.EspfleetException expected) {
                // an image with no sound entry left is refused as a whole
            }
        }
    }

    static List<NvsEntry> randomEntries(Random random, NvsVersion version) {
        List<NvsEntry> entries = new ArrayList<>();
        Set<String> used = new HashSet<>();
        int count = random.nextInt(60);
        // keep the data well inside the partition: the writer's capacity check is tested elsewhere
        int budget = SIZE / 2;
        for (int i = 0; i < count && budget > 0; i++) {
            String ns = "ns" + random.nextInt(4);
            String key = randomKey(random);
            if (!used.add(ns + "/" + key)) {
                continue;
            }
            int kind = random.nextInt(10);
            NvsEntry e;
            if (kind < 5) {
                NvsType[] ints = {NvsType.U8, NvsType.I8, NvsType.U16, NvsType.I16, NvsType.U32, NvsType.I32,
                    NvsType.U64, NvsType.I64};
                NvsType t = ints[random.nextInt(ints.length)];
                long v = random.nextLong();
                if (t.width() < 8) {
                    long span = 1L << (8 * t.width());
                    v = Math.floorMod(v, span) + t.min().longValue();
                }
                e = NvsEntry.integer(ns, key, t, v);
            } else if (kind < 8) {
                byte[] s = new byte[random.nextInt(version.maxStringBytes())];
                for (int j = 0; j < s.length; j++) {
                    s[j] = (byte) (' ' + random.nextInt(95));
                }
                e = NvsEntry.stringBytes(ns, key, s);
            } else {
                byte[] b = new byte[random.nextInt(version == NvsVersion.V1 ? version.maxBlobBytes() + 1 : 12000)];
                random.nextBytes(b);
                e = NvsEntry.blob(ns, key, b);
            }
            budget -= e.data() == null ? 32 : e.data().length + 64;
            entries.add(e);
        }
        return entries;
    }

    private static String randomKey(Random random) {
        int length = 1 + random.nextInt(15);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            sb.append((char) ('!' + random.nextInt(94)));
        }
        return sb.toString();
    }
}
