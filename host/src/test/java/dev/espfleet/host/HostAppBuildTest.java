package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class HostAppBuildTest {
    @Test
    void packagesEveryHeaderAndRuntimeSource() throws Exception {
        Path host = Path.of("").toAbsolutePath();
        List<String> onDisk;
        try (Stream<Path> include = Files.walk(host.resolve("include"));
             Stream<Path> shared = Files.walk(host.resolve("shared"));
             Stream<Path> runtime = Files.walk(host.resolve("runtime"))) {
            onDisk = Stream.of(include, shared, runtime).flatMap(s -> s)
                    .filter(p -> p.toString().matches(".*\\.[ch]$"))
                    .map(p -> host.relativize(p).toString()).sorted().toList();
        }
        assertEquals(onDisk, HostAppBuild.SOURCES.stream().sorted().toList(),
                "HostAppBuild.SOURCES must list every file of host/include, host/shared and host/runtime");
    }
}
