package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** files.txt in templates/ and esp-idf-project/ lists exactly the files there, so none is forgotten. */
class TemplateListingTest {
    @ParameterizedTest
    @ValueSource(strings = {"templates", "esp-idf-project"})
    void filesTxtListsEveryFileOfTheFolder(String folder) throws IOException {
        Path dir = Path.of("..", folder);
        List<String> listed = Files.readAllLines(dir.resolve("files.txt")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).sorted().toList();
        List<String> present;
        try (Stream<Path> s = Files.walk(dir)) {
            present = s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals("files.txt")).sorted().toList();
        }
        assertEquals(present, listed, folder + "/files.txt is out of step with the folder");
    }
}
