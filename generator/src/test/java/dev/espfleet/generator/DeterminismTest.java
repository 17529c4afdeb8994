package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.espfleet.generator.render.GeneratedProject;
import dev.espfleet.generator.render.ProjectWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DeterminismTest {
    static java.util.List<String> examples() {
        return Examples.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void sameConfigGivesIdenticalBytesOnDisk(String example, @TempDir Path tmp) throws IOException {
        Path first = tmp.resolve("first");
        Path second = tmp.resolve("second");
        ProjectWriter.write(Examples.render(example), first);
        ProjectWriter.write(Examples.render(example), second);

        SortedSet<String> files = GoldenTest.listTree(first);
        assertEquals(files, GoldenTest.listTree(second));
        for (String f : files) {
            assertArrayEquals(Files.readAllBytes(first.resolve(f)), Files.readAllBytes(second.resolve(f)), f);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void regeneratingWritesNothingAndKeepsUserFiles(String example, @TempDir Path tmp) throws IOException {
        GeneratedProject project = Examples.render(example);
        ProjectWriter.write(project, tmp);
        Files.writeString(tmp.resolve("main/sensors.c"), "/* the user's own hooks */\n");

        ProjectWriter.Result again = ProjectWriter.write(Examples.render(example), tmp);

        assertEquals(0, again.written());
        assertEquals(project.files().size(), again.unchanged());
        assertEquals("/* the user's own hooks */\n", Files.readString(tmp.resolve("main/sensors.c")));
    }
}
